// Placeholder: the markets lesson's task is being written.
export async function* markets() {
  throw new Error('the markets lesson is not built yet');
}
