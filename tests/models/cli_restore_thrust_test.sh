#!/usr/bin/env bash
# `diffbridge restore --backend thrust` (the device paths on the build's C++ Thrust system) equals
# `--backend eigen` and the PyTorch fixtures within 1e-4 on the raw .npy output, for every
# variant; `--backend cuda` gives one line and exit code 2 without CUDA support (or, in a CUDA
# build, without a GPU), and otherwise matches eigen too.
#   cli_restore_thrust_test.sh DIFFBRIDGE DIFFIR_TOOL CUDA_BUILD(ON|OFF)
set -u
bin="$1" tool="$2" cuda_build="$3"
. "$(dirname "$0")/../cli/lib.sh"

cases="deblur_tiny sr4_tiny sr2_tiny sr1_tiny inpaint_tiny"
for c in $cases; do
  "$tool" weights "$c" "$tmp/$c.safetensors" && "$tool" config "$c" "$tmp/$c.json" &&
    "$tool" export "$c" input "$tmp/$c.in.npy" && "$tool" export "$c" z "$tmp/$c.z.npy" &&
    "$tool" export "$c" output "$tmp/$c.want.npy" || { echo "FAIL: fixture $c"; exit 1; }
done
"$tool" export inpaint_tiny mask "$tmp/inpaint_tiny.mask.npy"

run() {  # run CASE BACKEND -> $tmp/CASE.BACKEND.npy, exit code
  local c="$1" be="$2" m=${1%_tiny}
  local extra=()
  [ "$m" = inpaint ] && extra=(--mask "$tmp/$c.mask.npy")
  "$bin" restore --model "$m" --weights "$tmp/$c.safetensors" --config "$tmp/$c.json" --input "$tmp/$c.in.npy" \
    --ipr-noise "$tmp/$c.z.npy" --output "$tmp/$c.$be.npy" --backend "$be" --threads 2 --timing "${extra[@]}" \
    2>"$tmp/err.$be"
}

for c in $cases; do
  run "$c" eigen
  check "$c on eigen: exit 0 ($(cat "$tmp/err.eigen"))" test $? -eq 0
  run "$c" thrust
  check "$c on thrust: exit 0 ($(cat "$tmp/err.thrust"))" test $? -eq 0
  check "$c on thrust: network_seconds on stderr" grep -Eq '^network_seconds=[0-9.]+$' "$tmp/err.thrust"
  check "$c: thrust = eigen (1e-4)" "$tool" compare "$tmp/$c.thrust.npy" "$tmp/$c.eigen.npy" 1e-4
  check "$c: thrust = PyTorch (1e-4)" "$tool" compare "$tmp/$c.thrust.npy" "$tmp/$c.want.npy" 1e-4
done

# --backend cuda
rm -f "$tmp"/deblur_tiny.cuda.npy
run deblur_tiny cuda
rc=$?
if [ "$cuda_build" != ON ]; then
  check "cuda without CUDA support: exit 2" test "$rc" -eq 2
  check "cuda without CUDA support: one line" test "$(wc -l <"$tmp/err.cuda")" -eq 1
  check "cuda without CUDA support: message ($(cat "$tmp/err.cuda"))" grep -qF \
    "this build has no CUDA support (configure with -DDIFFBRIDGE_ENABLE_CUDA=ON)" "$tmp/err.cuda"
  check "cuda without CUDA support: no output" test ! -e "$tmp/deblur_tiny.cuda.npy"
elif grep -q "no CUDA device available" "$tmp/err.cuda"; then
  check "cuda without a GPU: exit 2" test "$rc" -eq 2
  check "cuda without a GPU: one line" test "$(wc -l <"$tmp/err.cuda")" -eq 1
  check "cuda without a GPU: no output" test ! -e "$tmp/deblur_tiny.cuda.npy"
else
  check "cuda: exit 0 ($(cat "$tmp/err.cuda"))" test "$rc" -eq 0
  check "cuda = eigen (1e-4)" "$tool" compare "$tmp/deblur_tiny.cuda.npy" "$tmp/deblur_tiny.eigen.npy" 1e-4
fi

# an unknown backend names the choices
"$bin" restore --model deblur --weights "$tmp/deblur_tiny.safetensors" --config "$tmp/deblur_tiny.json" \
  --input "$tmp/deblur_tiny.in.npy" --output "$tmp/x.npy" --backend opencl 2>"$tmp/err"
check "unknown backend: exit 2" test $? -eq 2
check "unknown backend: lists thrust and cuda" grep -q "eigen, xtensor, thrust or cuda" "$tmp/err"

finish
