// Placeholder: the stakeholders lesson's task is being written.
export async function* stakeholders() {
  throw new Error('the stakeholders lesson is not built yet');
}
