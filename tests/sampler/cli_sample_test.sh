#!/usr/bin/env bash
# `diffbridge sample`: results across backends, and bad input (one-line error, no output).
set -u
bin="$1"
data="$(dirname "$0")/data"
. "$(dirname "$0")/../cli/lib.sh"
run() { "$bin" sample --bridge rdbm --steps 10 --seed 3 --denoiser "point:$data/target.npy" \
          --input "$data/y.npy" "$@"; }
backends=$("$bin" sample --backend nope --bridge rdbm --steps 1 --denoiser point:x --input x \
           --output x 2>&1 | sed -n 's/.*available: \(.*\))/\1/p' | tr '|' ' ')
check "backends listed" test -n "$backends"
first=""
for b in $backends; do
  run --backend "$b" --eta 0.5 --pi residual --output "$tmp/$b.npy"
  check "sample on $b" test -s "$tmp/$b.npy"
  [ -z "$first" ] && first="$tmp/$b.npy"
  check "$b bit-identical to the first backend" cmp -s "$first" "$tmp/$b.npy"
done
# A perfect point-mass denoiser: RDBM's last step returns x̂0, so the output is the target
# (same bytes after the 128-byte header).
check "point target reached" cmp -s <(tail -c +129 "$data/target.npy") <(tail -c +129 "$first")
"$bin" sample --bridge goub --steps 100 --sampler euler-maruyama --seed 1 \
  --denoiser "point:$data/target.npy" --input "$data/y.npy" --output "$tmp/em.npy"
check "goub euler-maruyama" test -s "$tmp/em.npy"
# without --eta a preset runs its own official sampler (preset_info::default_eta; I2SB: 1)
i2sb() { "$bin" sample --bridge i2sb --steps 5 --seed 2 --denoiser "point:$data/target.npy" \
           --input "$data/y.npy" "$@"; }
i2sb --output "$tmp/i2sb.npy"
i2sb --eta 1 --output "$tmp/i2sb_eta1.npy"
i2sb --eta 0 --output "$tmp/i2sb_eta0.npy"
check "default eta is the preset's own (i2sb: 1)" cmp -s "$tmp/i2sb.npy" "$tmp/i2sb_eta1.npy"
check "and not 0" bash -c "! cmp -s '$tmp/i2sb.npy' '$tmp/i2sb_eta0.npy'"

S=(sample --bridge rdbm --steps 10 --seed 1 --output "$tmp/out.npy")
expect_error "missing input" "missing.npy" "${S[@]}" --denoiser "point:$data/target.npy" --input "$data/missing.npy"
expect_error "wrong dtype" "int32.npy" "${S[@]}" --denoiser "point:$data/target.npy" --input "$data/int32.npy"
expect_error "wrong rank" "rank3.npy" "${S[@]}" --denoiser "point:$data/target.npy" --input "$data/rank3.npy"
expect_error "shape mismatch" "shape" "${S[@]}" --denoiser "point:$data/wrong_shape.npy" --input "$data/y.npy"
expect_error "NaN input" "nan.npy" "${S[@]}" --denoiser "point:$data/target.npy" --input "$data/nan.npy"
expect_error "unknown backend" "--backend cuda9" "${S[@]}" --denoiser "point:$data/target.npy" --input "$data/y.npy" --backend cuda9
expect_error "bad denoiser" "point:FILE" "${S[@]}" --denoiser "net:x" --input "$data/y.npy"
expect_error "too many steps" "steps" "${S[@]}" --denoiser "point:$data/target.npy" --input "$data/y.npy" --steps 1000
expect_error "bad eta" "eta" "${S[@]}" --denoiser "point:$data/target.npy" --input "$data/y.npy" --eta 3
expect_error "output dir missing" "out.npy" sample --bridge rdbm --steps 10 --denoiser "point:$data/target.npy" --input "$data/y.npy" --output "$tmp/nodir/out.npy"
finish
