// Placeholder: the offline-online lesson's task is being written.
export async function* offlineOnline() {
  throw new Error('the offline-online lesson is not built yet');
}
