#!/usr/bin/env bash
# Builds the safetensors fuzz target with clang's libFuzzer and runs it for SECONDS (CTest
# test_fuzz_safetensors runs it briefly; docs/diffir.md records a long run).
#   fuzz/run_fuzz.sh SOURCE_ROOT WORK_DIR SECONDS [extra libFuzzer flags...]
# Exit 77 (skipped) when no clang with libFuzzer is installed.
set -u
root="$1" work="$2" secs="$3"
shift 3
cxx=""
for c in clang++-14 clang++; do
  if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
done
[ -n "$cxx" ] || { echo "skipped: no clang++"; exit 77; }
mkdir -p "$work/corpus"
bin="$work/fuzz_safetensors"
if [ ! -x "$bin" ] || [ "$root/fuzz/fuzz_safetensors.cpp" -nt "$bin" ] || [ "$root/include/diffbridge/io/safetensors.hpp" -nt "$bin" ]; then
  if ! "$cxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -I"$root/include" "$root/fuzz/fuzz_safetensors.cpp" -o "$bin" 2>"$work/build.log"; then
    if grep -qi "fuzzer" "$work/build.log"; then echo "skipped: $cxx has no libFuzzer"; exit 77; fi
    cat "$work/build.log"; exit 1
  fi
fi
# seeds: small valid files of the repository
for f in "$root/tests/io/data/reference.safetensors" "$root"/tests/golden/diffir/*_tiny.safetensors; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$work/corpus/"
done
exec "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 "$@" "$work/corpus"
