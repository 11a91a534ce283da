// Placeholder: the causal-graph lesson's task is being written.
export async function* causalGraph() {
  throw new Error('the causal-graph lesson is not built yet');
}
