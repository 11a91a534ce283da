// Placeholder: the cold-start lesson's task is being written.
export async function* coldStart() {
  throw new Error('the cold-start lesson is not built yet');
}
