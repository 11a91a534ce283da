// Placeholder: the real-logs lesson's task is being written.
export async function* realLogs() {
  throw new Error('the real-logs lesson is not built yet');
}
