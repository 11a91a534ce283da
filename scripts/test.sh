#!/usr/bin/env bash
# Run every test, in order, stopping at the first failing stage; always end with one line
# "N passed, M failed" over everything that ran. Called by `make test` and by .ci/run.
#
#   1. cargo fmt --check; clippy (all targets, -D warnings, in the test build); cargo test (unit,
#      integration, doc)
#   2. the Wasm test file tests/wasm.rs in node, then in headless Chromium (each must pass > 0 tests)
#   3. the release package (built in the background from the start) has its JS API tested in node
#      (tests/js/*.test.mjs)
#   4. browser end-to-end tests of www/ with playwright-core in Debian's Chromium (tests/e2e/*.test.mjs)
#   5. the notebook widget: python/ built into a wheel, installed with JupyterLab (whose venv is made
#      in the background from the start), driven in Chromium
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

PASSED=0
FAILED=0
LOG=$(mktemp -d)
START=$(date +%s)

# Busy and total CPU time of the machine so far, in clock ticks (from /proc/stat's first line).
cpu_ticks() {
  local _ user nice system idle iowait irq softirq steal
  read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
  echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}
# "(stage: 122s, 1.8 of 2 cores busy)": where the time of the test command goes, and how much of
# the machine each stage keeps busy (background jobs included).
stage_done() {
  local now busy total cores
  now=$(date +%s)
  read -r busy total < <(cpu_ticks)
  cores=$(nproc)
  printf '    (%s: %ds, %s of %d cores busy)\n' "$STAGE_NAME" $((now - STAGE_START)) \
    "$(awk -v b=$((busy - STAGE_BUSY)) -v t=$((total - STAGE_TOTAL)) -v c="$cores" 'BEGIN { printf "%.1f", (t > 0 ? c * b / t : 0) }')" "$cores"
}

summary() {
  [[ -n $STAGE_NAME ]] && stage_done
  local secs=$(( $(date +%s) - START ))
  printf '\n%d passed, %d failed  (%dm%02ds)\n' "$PASSED" "$FAILED" $((secs / 60)) $((secs % 60))
}

STAGE_START=$START
STAGE_NAME=""
read -r STAGE_BUSY STAGE_TOTAL < <(cpu_ticks)
# Print how long the previous stage took, then announce the next one.
stage() {
  [[ -n $STAGE_NAME ]] && stage_done
  STAGE_NAME=$*; STAGE_START=$(date +%s)
  read -r STAGE_BUSY STAGE_TOTAL < <(cpu_ticks)
  printf '\n\033[1m==> %s\033[0m\n' "$*"
}

fail() {
  FAILED=$((FAILED + ${2:-1}))
  printf '\n\033[31mFAILED: %s\033[0m\n' "$1"
  summary
  exit 1
}

# A check that counts as one test.
check() {
  local name=$1; shift
  stage "$name"
  if "$@"; then PASSED=$((PASSED + 1)); else fail "$name"; fi
}

# Sum "N passed; M failed" from cargo / wasm-bindgen-test output.
count_rust() {
  local out=$1 p f
  p=$(grep -Eo '[0-9]+ passed' "$out" | awk '{s+=$1} END {print s+0}')
  f=$(grep -Eo '[0-9]+ failed' "$out" | awk '{s+=$1} END {print s+0}')
  echo "$p $f"
}

# Sum "ℹ pass N" / "ℹ fail N" from node --test's spec reporter.
count_node() {
  local out=$1 p f
  p=$(grep -E '^ℹ pass [0-9]+' "$out" | awk '{s+=$3} END {print s+0}')
  f=$(grep -E '^ℹ fail [0-9]+' "$out" | awk '{s+=$3} END {print s+0}')
  echo "$p $f"
}

# Run a test command, tee its output, add its counts; fail the stage on a non-zero exit, on
# failures, or (with require_some=1) when nothing passed.
run_counted() {
  local name=$1 counter=$2 require_some=$3; shift 3
  local out="$LOG/$(echo "$name" | tr -c 'a-zA-Z0-9' _).log"
  stage "$name"
  "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  read -r p f < <($counter "$out")
  PASSED=$((PASSED + p))
  if [[ $rc -ne 0 || $f -gt 0 ]]; then fail "$name" $((f > 0 ? f : 1)); fi
  if [[ $require_some == 1 && $p -eq 0 ]]; then fail "$name: zero tests passed (were they skipped?)"; fi
}

# Two jobs run in the background from the start, each in a process group of its own (so that a
# failing stage stops them) and waited for before its first use: the notebook test's venv (mostly
# waiting for PyPI) and the release package (scripts/build.sh, in target/pkg-build: cargo locks a
# target directory). Its LTO link and wasm-opt are hidden behind the Rust stages. (Compiling the
# Wasm tests in the background as well was tried: the Rust stages slowed by more than it saved.)
bg() {
  local log=$1; shift
  setsid -w "$@" >"$log" 2>&1 &
  JOBS+=" $!"
  LAST_JOB=$!
}
JOBS=
trap 'for p in $JOBS; do kill -- -$p $p 2>/dev/null; done' EXIT

check "cargo fmt --check" cargo fmt --all -- --check
bg "$LOG/venv.log" python/test.sh --venv
VENV_PID=$LAST_JOB
bg "$LOG/build.log" scripts/build.sh
BUILD_PID=$LAST_JOB
# Clippy lints the crate while cargo compiles its tests: `cargo clippy` is `cargo check` with
# clippy-driver as the workspace's rustc wrapper (RUSTC_WORKSPACE_WRAPPER) and its flags in
# CLIPPY_ARGS; the same two variables on the test build give the same lints, every target and
# -D warnings included, and save a separate check of the whole crate (~50 s of CPU). The
# dependencies and the release package (started above) are compiled by rustc itself. The native
# cargo commands below keep the wrapper (tests/js runs an example that cargo test built: without
# it, cargo would rebuild the crate); the Wasm tests, a build of their own, go without.
export RUSTC_WORKSPACE_WRAPPER=clippy-driver
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
check "cargo clippy --all-targets -- -D warnings, in the test build (cargo test --all-targets --no-run)" \
  cargo test --all-targets --no-run --quiet
# The crate without its course (what receval/estimators is built from) must build and lint clean
# too: a few seconds, the dependencies are the test build's.
check "cargo clippy --lib --no-default-features -- -D warnings (the estimators package's crate)" \
  cargo build --lib --no-default-features --quiet
run_counted "cargo test (unit, integration, doc)" count_rust 1 cargo test --quiet

# The Wasm test build carries no DWARF line tables (a failing test's JS stack still names the
# functions): 45 -> 38 s for the node stage on a clean tree. Both stages use the same build.
export CARGO_PROFILE_DEV_DEBUG=0
# (and without the clippy wrapper: the lints ran on the native build; the Wasm build is its own)
run_counted "wasm tests in node (wasm-pack test --node)" count_rust 1 \
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS wasm-pack --log-level warn test --node -- --test wasm
run_counted "wasm tests in headless Chromium" count_rust 1 \
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS WASM_BINDGEN_USE_BROWSER=1 wasm-pack --log-level warn test --headless --chrome -- --test wasm
unset CARGO_PROFILE_DEV_DEBUG

stage "build the release package and the site (started at the beginning)"
wait $BUILD_PID
rc=$?
cat "$LOG/build.log"
[[ $rc -eq 0 ]] || fail "scripts/build.sh"

run_counted "JS API tests in node (tests/js)" count_node 1 \
  node --test --test-concurrency=2 --test-reporter=spec tests/js/
run_counted "JS API fuzzing, short run (tests/fuzz; make fuzz for the long one)" count_node 1 \
  node --test --test-reporter=spec tests/fuzz/
run_counted "browser end-to-end tests (tests/e2e, Chromium)" count_node 1 \
  node --test --test-concurrency=2 --test-reporter=spec tests/e2e/
stage "the notebook test's venv (started at the beginning)"
wait $VENV_PID
rc=$?
cat "$LOG/venv.log"
[[ $rc -eq 0 ]] || fail "python/test.sh --venv"
run_counted "notebook widget (python/test.sh: wheel + JupyterLab from PyPI, Chromium)" count_node 1 python/test.sh

summary
