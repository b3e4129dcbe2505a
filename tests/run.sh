#!/bin/bash
# The README's test command: installs what the tests need, builds vswitch
# twice (release with -Werror, and ASan+UBSan), runs every suite in both
# (unit, integration, fuzz-regress, e2e), then runs each libFuzzer target for a
# bounded time. Must run as root: the integration suite builds network
# namespaces (and never touches the machine's own network).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

fuzz_seconds=${VSWITCH_FUZZ_SECONDS:-10}

contrib/install-deps.sh --test

summary=()
total_pass=0
total_fail=0

# Counts the results of one `meson test` run from its JSON log.
count_results() {
  python3 - "$1" <<'PY'
import json, sys
ok = bad = skip = 0
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"): ok += 1
        elif r == "SKIP": skip += 1
        else: bad += 1
print(ok, bad, skip)
PY
}

run_suites() {  # builddir label
  local dir=$1 label=$2 rc=0
  meson test -C "$dir" --print-errorlogs --num-processes 2 || rc=$?
  read -r ok bad skip < <(count_results "$dir/meson-logs/testlog.json")
  summary+=("$label: $ok passed, $bad failed, $skip skipped")
  total_pass=$((total_pass + ok)); total_fail=$((total_fail + bad))
  if [ "$skip" -gt 0 ] && [ "$(id -u)" = 0 ]; then
    echo "tests/run.sh: $skip test(s) skipped although running as root" >&2
    total_fail=$((total_fail + skip))
  fi
  return 0
}

echo "== release build (-Werror)"
[ -d build-release ] || meson setup build-release --buildtype=release --werror >/dev/null
ninja -C build-release
run_suites build-release release

echo "== ASan+UBSan build"
[ -d build-asan ] || CXX=clang++ meson setup build-asan --buildtype=debug --werror \
  -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true >/dev/null
ninja -C build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suites build-asan asan

echo "== fuzzing, ${fuzz_seconds}s per target, $(nproc) at a time"
# One libFuzzer run per target, as many at once as there are CPUs (each is
# one process), each on a copy of its seed corpus; results in target order.
fuzz_fail=0
fuzz_dir=$(mktemp -d)
fuzz_one() {  # TARGET-BINARY
  local f=$1 name work
  name=$(basename "$f" -fuzzer)
  work=$fuzz_dir/$name
  mkdir -p "$work/corpus"
  cp -r "fuzz/corpus/$name/." "$work/corpus/" 2>/dev/null || true
  local rc=0
  (cd "$work" && "$top/$f" -max_total_time="$fuzz_seconds" -print_final_stats=0 corpus >log 2>&1) || rc=$?
  echo "$rc" >"$work/rc"
}
running=0
for f in build-asan/fuzz/*-fuzzer; do
  [ -x "$f" ] || continue
  fuzz_one "$f" &
  running=$((running + 1))
  if [ "$running" -ge "$(nproc)" ]; then wait -n || true; running=$((running - 1)); fi
done
wait
for f in build-asan/fuzz/*-fuzzer; do
  [ -x "$f" ] || continue
  name=$(basename "$f" -fuzzer)
  work=$fuzz_dir/$name
  if [ "$(cat "$work/rc" 2>/dev/null)" = 0 ]; then
    echo "fuzz $name: ok ($(find "$work/corpus" -type f | wc -l) corpus entries after ${fuzz_seconds}s)"
    total_pass=$((total_pass + 1))
  else
    echo "fuzz $name: FAILED"; tail -40 "$work/log"
    fuzz_fail=$((fuzz_fail + 1)); total_fail=$((total_fail + 1))
    mkdir -p "$top/build-asan/fuzz-crashes"
    cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$top/build-asan/fuzz-crashes/" 2>/dev/null || true
  fi
done
rm -rf "$fuzz_dir"
summary+=("fuzz: $fuzz_fail failed")

echo
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
