# receval — the two commands (both install whatever is missing first; see scripts/bootstrap.sh):
#
#   make serve   build the release Wasm package and serve the course at http://localhost:8000/
#                (PORT=9000 make serve for another port; Ctrl-C stops it)
#   make test    run every test: fmt, clippy (in the test build), native tests, Wasm tests in node and headless
#                Chromium, browser end-to-end tests; ends with "N passed, M failed"
#
# Extra, for contributors: `make bench` runs the benchmarks (native, node, browser); `make fuzz`
# fuzzes the JS API of pkg/ (FUZZ_CASES cases, default 100000, seed FUZZ_SEED; see tests/fuzz/run.mjs);
# `make mutants` runs mutation testing of the core (cargo-mutants) and of the frontend (see
# scripts/mutants.sh; days for the whole core: MUTANTS_SAMPLE=20 for an even sample of each group,
# MUTANTS_GROUPS="stats lab" for some groups, MUTANTS_RETEST=1 to rerun the last misses).

.PHONY: serve test bench fuzz mutants

FUZZ_CASES ?= 100000
FUZZ_SEED ?= 1

serve:
	@scripts/bootstrap.sh
	@scripts/build.sh
	@node scripts/serve.mjs

test:
	@scripts/bootstrap.sh --test
	@scripts/test.sh

bench:
	@scripts/bootstrap.sh --test
	@scripts/bench.sh

fuzz:
	@scripts/bootstrap.sh --test
	@[ -f pkg/receval.js ] || scripts/build.sh
	@node tests/fuzz/run.mjs --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) --workers 2

mutants:
	@scripts/bootstrap.sh --test
	@scripts/mutants.sh
