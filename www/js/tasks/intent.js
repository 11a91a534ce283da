// Placeholder: the intent lesson's task is being written.
export async function* intent() {
  throw new Error('the intent lesson is not built yet');
}
