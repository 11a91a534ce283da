#!/usr/bin/env bash
# Mutation testing (issue 18): is a weakened estimator, world or lesson caught by the tests?
#
#   make mutants                      the core, module by module (hours on 2 cores)
#   MUTANTS_FILES="src/stats.rs" make mutants        one piece
#   MUTANTS_SHARD=0/60 make mutants   every 60th mutant of each file (a sample: the core has ~5,000)
#   MUTANTS_FRONTEND=0 make mutants   skip the frontend mutations
#
# 1. cargo-mutants (installed on first use) mutates the core (src/estimators, src/world, src/stats.rs,
#    src/lab.rs, src/lessons) one file at a time; each mutant runs the fast native tests that judge
#    that code (the library's unit tests, OBP parity, estimator properties, world, lab, behaviour —
#    not the lesson claims, which take minutes). Results go to target/mutants/<file>/; a missed
#    mutant must get a test, or a one-line reason in tests/mutants-accepted.txt.
# 2. scripts/mutate-frontend.mjs: hand-made frontend mutations, each must fail the browser suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
FILES=${MUTANTS_FILES:-"src/estimators/standard.rs src/estimators/interval.rs src/estimators/slate.rs src/estimators/tuning.rs src/estimators/embed.rs src/estimators/multi.rs src/estimators/streaming.rs src/estimators/diagnostics.rs src/estimators/input.rs src/stats.rs src/lab.rs src/world/policy.rs src/world/log.rs src/world/mod.rs src/world/models.rs src/world/export.rs src/lessons/common.rs"}
TESTS=(--lib --test obp_parity --test estimator_properties --test world --test lab --test behaviour --test obd)
for f in $FILES; do
  out="target/mutants/$(echo "$f" | tr '/.' '__')"
  mkdir -p "$out"
  echo "==> $f"
  # exit codes: 0 all caught, 2 some missed, 3 some timed out: all are results, not failures
  rc=0
  cargo mutants --no-shuffle --jobs 1 --timeout 240 --build-timeout 600 --file "$f" --output "$out" \
    ${MUTANTS_SHARD:+--shard "$MUTANTS_SHARD"} -- "${TESTS[@]}" >"$out/run.log" 2>&1 || rc=$?
  [[ $rc == 0 || $rc == 2 || $rc == 3 ]] || { echo "cargo mutants failed ($rc): $out/run.log"; exit "$rc"; }
  tail -1 "$out/run.log"
  # missed mutants not in the accepted list
  if [[ -f "$out/mutants.out/missed.txt" ]]; then
    grep -vxFf <(sed 's/ *#.*//' tests/mutants-accepted.txt) "$out/mutants.out/missed.txt" | sed 's/^/    missed: /' || true
  fi
done
if [[ ${MUTANTS_FRONTEND:-1} == 1 ]]; then
  [[ -f www/pkg/receval.js ]] || scripts/build.sh
  node scripts/mutate-frontend.mjs
fi
