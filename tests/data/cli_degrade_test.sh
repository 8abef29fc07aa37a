#!/usr/bin/env bash
# The command-line contract of `diffbridge degrade`, `compare` and `restore --model default`:
# the outputs against the NumPy golden data, and every bad input giving one line on stderr, a
# non-zero exit and no output file.
set -u
bin="$1" src="$2"
data="$src/tests/golden/data"
. "$src/tests/cli/lib.sh"

# degrade: the .npy output is the float image (compare quantises it to the PNG's 8 bits)
for k in default noise blur; do
  check "degrade $k" "$bin" degrade --kind "$k" --seed 7 --input "$data/crop.png" --output "$tmp/$k.npy"
  check "degrade $k: equals scripts/degrade.py" bash -c \
    "'$bin' compare --reference '$data/degraded_$k.npy' --image '$tmp/$k.npy' | grep -q 'psnr=inf ssim=1.0000'"
done
check "degrade png" "$bin" degrade --seed 7 --input "$data/crop.png" --output "$tmp/d.png"
"$bin" compare --reference "$data/crop.png" --image "$tmp/d.png" --image "$data/degraded_default.png" \
  --side-by-side "$tmp/sbs.png" >"$tmp/cmp"
want=$(printf 'psnr=%.2f ssim=%.4f' \
  "$(sed -n 's/.*"psnr_crop_vs_degraded_default": \([0-9.e-]*\).*/\1/p' "$data/metrics.json")" \
  "$(sed -n 's/.*"ssim_crop_vs_degraded_default": \([0-9.e-]*\).*/\1/p' "$data/metrics.json")")
check "compare: the golden PSNR/SSIM ($want)" grep -q "degraded_default.png $want" "$tmp/cmp"
check "compare: two lines" test "$(wc -l <"$tmp/cmp")" -eq 2
check "compare: side by side written" test -s "$tmp/sbs.png"
check "seed changes the noise" bash -c "'$bin' degrade --seed 8 --input '$data/crop.png' --output '$tmp/e.png' &&
  ! '$bin' compare --reference '$tmp/d.png' --image '$tmp/e.png' | grep -q 'psnr=inf'"

expect_error "unknown kind" "must be one of default|noise|blur" degrade --kind gauss --seed 1 \
  --input "$data/crop.png" --output "$tmp/out.png"
expect_error "missing seed" "--seed is required" degrade --input "$data/crop.png" --output "$tmp/out.png"
expect_error "bad seed" "--seed" degrade --seed -3 --input "$data/crop.png" --output "$tmp/out.png"
expect_error "missing input" "nope.png" degrade --seed 1 --input "$tmp/nope.png" --output "$tmp/out.png"
expect_error "bad output name" ".bmp" degrade --seed 1 --input "$data/crop.png" --output "$tmp/out.bmp"
expect_error "no output dir" "does not exist" degrade --seed 1 --input "$data/crop.png" --output "$tmp/no/out.png"
expect_error "compare size" "differs from the reference" compare --reference "$data/crop.png" \
  --image "$src/examples/photos/chelsea.png"
expect_error "compare needs an image" "--image is required" compare --reference "$data/crop.png"
expect_error "compare npy side by side" "PNG or JPEG" compare --reference "$data/crop.png" \
  --image "$data/crop.png" --side-by-side "$tmp/out.npy"

# restore --model default: runs with no other option and restores the degraded crop
if [ -f "$src/models/default/diffir_s2.safetensors" ]; then
  check "restore default" "$bin" restore --model default --input "$data/degraded_default.png" --output "$tmp/r.png"
  "$bin" compare --reference "$data/crop.png" --image "$data/degraded_default.png" --image "$tmp/r.png" >"$tmp/rc"
  p0=$(sed -n '1s/.*psnr=\([0-9.]*\).*/\1/p' "$tmp/rc") p1=$(sed -n '2s/.*psnr=\([0-9.]*\).*/\1/p' "$tmp/rc")
  check "restore default improves PSNR ($p0 -> $p1 dB)" awk -v a="$p0" -v b="$p1" 'BEGIN { exit !(b > a + 3) }'
  expect_error "default with weights" "brings its own weights" restore --model default \
    --weights "$src/models/default/diffir_s2.safetensors" --input "$data/crop.png" --output "$tmp/out.png"
  DIFFBRIDGE_DEFAULT_MODEL="$tmp/none" expect_error "model dir from the environment" "$tmp/none" \
    restore --model default --input "$data/crop.png" --output "$tmp/out.png"
else
  echo "FAIL: models/default/diffir_s2.safetensors is missing"
  fails=$((fails + 1))
fi
expect_error "unknown model" "default|deblur" restore --model nope --input "$data/crop.png" --output "$tmp/out.png"
finish
