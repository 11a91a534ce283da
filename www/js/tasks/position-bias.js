// Placeholder: the position-bias lesson's task is being written.
export async function* positionBias() {
  throw new Error('the position-bias lesson is not built yet');
}
