#!/usr/bin/env bash
# The benchmarks: native (cargo bench), the same workloads through the Wasm package in node with the
# wasm/native ratio, slider-to-redraw latency of every lesson in Chromium, and download sizes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
scripts/build.sh
echo "==> Estimators and simulator: native vs Wasm in node"
node bench/node.mjs
echo "==> Lessons' default runs, natively (first output and full run, ms)"
cargo bench --quiet --bench lessons
echo "==> Slider-to-redraw latency in Chromium"
node bench/browser.mjs
echo "==> Download sizes: the Wasm module, and each lesson page's first load in Chromium (gzip)"
node bench/size.mjs
