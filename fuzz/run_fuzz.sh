#!/usr/bin/env bash
# Builds a libFuzzer target of fuzz/ with clang and runs it for SECONDS (CTest runs each briefly:
# test_fuzz_safetensors, test_fuzz_image_checks; docs/diffir.md records long runs).
#   fuzz/run_fuzz.sh SOURCE_ROOT WORK_DIR SECONDS [TARGET] [extra libFuzzer flags...]
# TARGET: safetensors (default) or image_checks. Exit 77 (skipped) when no clang with libFuzzer
# is installed.
set -u
root="$1" work="$2" secs="$3"
shift 3
target=safetensors
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then target="$1"; shift; fi
case "$target" in
  safetensors) header="$root/include/diffbridge/io/safetensors.hpp" ;;
  image_checks) header="$root/include/diffbridge/io/detail/image_checks.hpp" ;;
  *) echo "run_fuzz.sh: unknown target '$target' (safetensors or image_checks)"; exit 2 ;;
esac
cxx=""
for c in clang++-14 clang++; do
  if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
done
[ -n "$cxx" ] || { echo "skipped: no clang++"; exit 77; }
mkdir -p "$work/corpus"
src="$root/fuzz/fuzz_$target.cpp" bin="$work/fuzz_$target"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$header" -nt "$bin" ]; then
  if ! "$cxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -I"$root/include" "$src" -o "$bin" 2>"$work/build.log"; then
    if grep -qi "fuzzer" "$work/build.log"; then echo "skipped: $cxx has no libFuzzer"; exit 77; fi
    cat "$work/build.log"; exit 1
  fi
fi
# seeds: small valid files of the repository
if [ "$target" = safetensors ]; then
  seeds=("$root/tests/io/data/reference.safetensors" "$root"/tests/golden/diffir/*_tiny.safetensors)
else
  seeds=("$root"/fuzz/seeds/*.jpg "$root"/tests/golden/data/*.png)
fi
for f in "${seeds[@]}"; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$work/corpus/"
done
exec "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 "$@" "$work/corpus"
