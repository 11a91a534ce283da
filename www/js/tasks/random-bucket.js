// Placeholder: the random-bucket lesson's task is being written.
export async function* randomBucket() {
  throw new Error('the random-bucket lesson is not built yet');
}
