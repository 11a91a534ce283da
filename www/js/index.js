// The course index: proves the Wasm module loads and computes in this browser.
const status = document.getElementById('wasm-status');
const result = document.getElementById('wasm-result');

try {
  const { estimatePolicyValue, version } = await import('../pkg/receval.js');
  // Eight logged rounds from a uniform logger over two actions; the candidate always plays action 1.
  const log = {
    reward: [1, 0, 1, 0, 0, 1, 1, 0],
    action: [1, 0, 1, 1, 0, 1, 0, 0],
    pscore: new Float64Array(8).fill(0.5),
    actionDist: Array.from({ length: 16 }, (_, i) => (i % 2 === 1 ? 1 : 0)),
    nActions: 2,
  };
  const ipw = estimatePolicyValue('ipw', log);
  status.textContent = `receval ${version()} is running in this browser.`;
  status.dataset.state = 'ok';
  result.textContent = `IPW estimate of "always action 1" from 8 uniform-random rounds: ${ipw.toFixed(3)}`;
  result.dataset.value = String(ipw);
  result.hidden = false;
} catch (e) {
  status.textContent = `The WebAssembly module did not load (${e.message}). Try a current browser, or check that the site was built with "make serve".`;
  status.dataset.state = 'error';
}
