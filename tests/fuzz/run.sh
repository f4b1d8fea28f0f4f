#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz/, clang 14, AUTOLUME_FUZZ=ON) if needed and runs
# each for SECONDS (default 60) on a copy of its seed corpus, tests/fuzz/corpus/<target>/
# (the committed corpus never changes). Prints executions and coverage per target and fails
# with the crashing input's path on any finding (crash, sanitizer report, undocumented
# exception, broken invariant, leak, timeout > 10 s, more than 2 GiB).
#   tests/fuzz/run.sh [SECONDS]       all targets; FUZZ_TARGETS="fuzz_json ..." picks some
#   FUZZ_BUILD_DIR (default build-fuzz) and FUZZ_RUNS_DIR (default $FUZZ_BUILD_DIR/runs)
# Each run keeps its folder (log, grown corpus, crash-*/timeout-*/oom-* files) for inspection.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
targets=(${FUZZ_TARGETS:-fuzz_midi_message fuzz_json fuzz_audio_header fuzz_archive})
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

# Packages (clang-14, libclang-rt-14-dev among them) and the build, through scripts/setup.
start=$SECONDS
CC=clang-14 CXX=clang++-14 BUILD_DIR=$build_dir BUILD_TYPE=RelWithDebInfo \
  CMAKE_ARGS=-DAUTOLUME_FUZZ=ON scripts/setup --target fuzz_all
echo "fuzz: build ready in $((SECONDS - start)) s"

runs=${FUZZ_RUNS_DIR:-$build_dir/runs}
mkdir -p "$runs"
run_dir=$(mktemp -d "$runs/$(date -u +%Y%m%d-%H%M%S).XXXX")
run_dir=$(cd "$run_dir" && pwd)
failed=()
for target in "${targets[@]}"; do
  bin=$build_dir/bin/$target
  [[ -x $bin ]] || { echo "fuzz: no $bin" >&2; exit 1; }
  work=$run_dir/$target
  mkdir -p "$work"
  cp -r "tests/fuzz/corpus/$target" "$work/corpus"
  seeds=$(find "$work/corpus" -type f | wc -l)
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/")
  [[ -f tests/fuzz/dict/$target.dict ]] && args+=(-dict="tests/fuzz/dict/$target.dict")
  rc=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$bin" "${args[@]}" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/log" | tail -1 || true)
  units=$(find "$work/corpus" -type f | wc -l)
  echo "fuzz: $target: ${execs:-?} execs (${rate:-?}/s), ${cov:-no coverage line}," \
       "corpus $seeds -> $units"
  if ((rc != 0)); then
    artifact=$(find "$work" -maxdepth 1 -type f \
                 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \
                    -o -name 'slow-unit-*' \) | head -1)
    echo "fuzz: $target FAILED (exit $rc): ${artifact:-no input saved}; log $work/log" >&2
    grep -m3 -E 'ERROR|FUZZ FINDING|runtime error|terminate' "$work/log" >&2 || tail -5 "$work/log" >&2
    failed+=("$target")
  fi
done
echo "fuzz: runs kept in $run_dir"
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
