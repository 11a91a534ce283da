# receval — the two commands (both install whatever is missing first; see scripts/bootstrap.sh):
#
#   make serve   build the release Wasm package and serve the course at http://localhost:8000/
#                (PORT=9000 make serve for another port; Ctrl-C stops it)
#   make test    run every test: fmt, clippy, native tests, Wasm tests in node and headless
#                Chromium, browser end-to-end tests; ends with "N passed, M failed"
#
# Extra, for contributors: `make bench` runs the benchmarks (native, node, browser).

.PHONY: serve test bench

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
