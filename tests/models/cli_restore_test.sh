#!/usr/bin/env bash
# The command-line contract of `diffbridge restore`: parity with the PyTorch fixtures through
# .npy files on both backends, PNG / JPEG round trips, and every bad input giving one line on
# stderr, a non-zero exit and no output file.
set -u
bin="$1" tool="$2"
. "$(dirname "$0")/../cli/lib.sh"
# restore_error NAME SUBSTRING ARGS...: `restore ARGS` fails with one line (lib.sh expect_error)
restore_error() {
  local name="$1" want="$2"; shift 2
  expect_error "$name" "$want" restore "$@"
}

for c in deblur_tiny sr4_tiny sr1_tiny inpaint_tiny; do
  "$tool" weights "$c" "$tmp/$c.safetensors" && "$tool" config "$c" "$tmp/$c.json" &&
    "$tool" export "$c" input "$tmp/$c.in.npy" && "$tool" export "$c" z "$tmp/$c.z.npy" &&
    "$tool" export "$c" output "$tmp/$c.want.npy" || { echo "FAIL: fixture $c"; exit 1; }
done
"$tool" export inpaint_tiny mask "$tmp/inpaint_tiny.mask.npy"

# parity through the command line (.npy in and out, the raw network output)
for be in eigen xtensor; do
  for c in deblur_tiny sr4_tiny sr1_tiny inpaint_tiny; do
    m=${c%_tiny}
    extra=()
    [ "$m" = inpaint ] && extra=(--mask "$tmp/$c.mask.npy")
    "$bin" restore --model "$m" --weights "$tmp/$c.safetensors" --config "$tmp/$c.json" --input "$tmp/$c.in.npy" \
      --ipr-noise "$tmp/$c.z.npy" --output "$tmp/$c.$be.npy" --backend "$be" --threads 2 --timing "${extra[@]}" \
      2>"$tmp/err"
    check "$c on $be: exit 0 ($(cat "$tmp/err"))" test $? -eq 0
    check "$c on $be: network_seconds on stderr" grep -Eq '^network_seconds=[0-9.]+$' "$tmp/err"
    check "$c on $be: matches PyTorch (1e-4)" "$tool" compare "$tmp/$c.$be.npy" "$tmp/$c.want.npy" 1e-4
  done
done

# images: PNG in, PNG / JPEG out; greyscale PNG accepted; seeded noise is deterministic
d=(--model deblur --weights "$tmp/deblur_tiny.safetensors" --config "$tmp/deblur_tiny.json")
"$tool" image "$tmp/rgb.png" 21 13 3 && "$tool" image "$tmp/grey.png" 21 13 1 && "$tool" image "$tmp/rgba.png" 21 13 4 &&
  "$tool" image "$tmp/photo.jpg" 21 13 3 && "$tool" image "$tmp/small.png" 20 12 3 && "$tool" image "$tmp/grey12.png" 20 12 1
"$bin" restore "${d[@]}" --input "$tmp/rgb.png" --output "$tmp/a.png" --seed 7
check "png -> png" test -s "$tmp/a.png"
"$bin" restore "${d[@]}" --input "$tmp/rgb.png" --output "$tmp/b.png" --seed 7
check "seeded runs are identical" cmp -s "$tmp/a.png" "$tmp/b.png"
"$bin" restore "${d[@]}" --input "$tmp/photo.jpg" --output "$tmp/c.jpg"
check "jpeg -> jpeg" test -s "$tmp/c.jpg"
"$bin" restore "${d[@]}" --input "$tmp/grey.png" --output "$tmp/g.npy"
check "greyscale png -> npy" test -s "$tmp/g.npy"
"$bin" restore --model inpaint --weights "$tmp/inpaint_tiny.safetensors" --config "$tmp/inpaint_tiny.json" \
  --input "$tmp/small.png" --mask "$tmp/grey12.png" --output "$tmp/i.png"
check "inpaint with a png mask" test -s "$tmp/i.png"

# bad input: one line, non-zero exit, no output file
restore_error "missing weights" "cannot open" "${d[@]/$tmp\/deblur_tiny.safetensors/$tmp/nope.safetensors}" \
  --input "$tmp/rgb.png" --output "$tmp/out.png"
head -c 1000 "$tmp/deblur_tiny.safetensors" >"$tmp/trunc.safetensors"
restore_error "corrupt weights" "trunc.safetensors" --model deblur --weights "$tmp/trunc.safetensors" \
  --config "$tmp/deblur_tiny.json" --input "$tmp/rgb.png" --output "$tmp/out.png"
restore_error "weights of another model" "not the weights of DiffIR S2 deblur" --model deblur \
  --weights "$tmp/sr4_tiny.safetensors" --config "$tmp/deblur_tiny.json" --input "$tmp/rgb.png" --output "$tmp/out.png"
restore_error "default config for tiny weights" "mis-shaped" --model deblur --weights "$tmp/deblur_tiny.safetensors" \
  --input "$tmp/rgb.png" --output "$tmp/out.png"
echo "not an image" >"$tmp/text.png"
restore_error "unreadable image" "not a PNG or JPEG" "${d[@]}" --input "$tmp/text.png" --output "$tmp/out.png"
restore_error "transparent png" "transparent" "${d[@]}" --input "$tmp/rgba.png" --output "$tmp/out.png"
"$tool" image "$tmp/tiny.png" 4 3 3
restore_error "image below the model's minimum" "tiny.png: the image is 4x3; this model needs at least 5x5" \
  "${d[@]}" --input "$tmp/tiny.png" --output "$tmp/out.png"
restore_error "mask size mismatch" "does not match the image size" --model inpaint \
  --weights "$tmp/inpaint_tiny.safetensors" --config "$tmp/inpaint_tiny.json" --input "$tmp/rgb.png" \
  --mask "$tmp/grey12.png" --output "$tmp/out.png"
restore_error "inpaint without mask" "--mask is required" --model inpaint --weights "$tmp/inpaint_tiny.safetensors" \
  --config "$tmp/inpaint_tiny.json" --input "$tmp/rgb.png" --output "$tmp/out.png"
python_nan() {  # a (1,3,8,8) float32 .npy with one NaN, written without Python
  "$tool" export deblur_tiny input "$tmp/nan.npy"
  printf '\x00\x00\xc0\x7f' | dd of="$tmp/nan.npy" bs=1 seek=200 conv=notrunc status=none
}
python_nan
restore_error "NaN in .npy" "non-finite" "${d[@]}" --input "$tmp/nan.npy" --output "$tmp/out.npy"
"$tool" export deblur_tiny input "$tmp/two.npy"
printf '\x00\x00\x00\x40' | dd of="$tmp/two.npy" bs=1 seek=200 conv=notrunc status=none  # 2.0
restore_error "input outside [0, 1]" "holds 2 at element 18, outside" "${d[@]}" --input "$tmp/two.npy" --output "$tmp/out.npy"
restore_error "bad IPR noise shape" "IPR noise" "${d[@]}" --input "$tmp/rgb.png" --ipr-noise "$tmp/deblur_tiny.in.npy" \
  --output "$tmp/out.npy"
restore_error "bad backend" "--backend" "${d[@]}" --input "$tmp/rgb.png" --output "$tmp/out.png" --backend cuda
restore_error "bad output extension" "unsupported image extension" "${d[@]}" --input "$tmp/rgb.png" --output "$tmp/out.bmp"
restore_error "unknown model" "must be one of" --model denoise --weights "$tmp/deblur_tiny.safetensors" \
  --input "$tmp/rgb.png" --output "$tmp/out.png"
echo '{"dim": 8, "colour": 1}' >"$tmp/badcfg.json"
restore_error "unknown config key" "unknown key 'colour'" --model deblur --weights "$tmp/deblur_tiny.safetensors" \
  --config "$tmp/badcfg.json" --input "$tmp/rgb.png" --output "$tmp/out.png"
restore_error "config is a directory" "is a directory" --model deblur --weights "$tmp/deblur_tiny.safetensors" \
  --config "$tmp" --input "$tmp/rgb.png" --output "$tmp/out.png"
echo '{"dim": 8, "dim": 16}' >"$tmp/dupcfg.json"
restore_error "repeated config key" 'key "dim" appears twice' --model deblur \
  --weights "$tmp/deblur_tiny.safetensors" --config "$tmp/dupcfg.json" --input "$tmp/rgb.png" --output "$tmp/out.png"
"$tool" export deblur_tiny z "$tmp/zbig.npy"
printf '\xca\xf2\x49\x71' | dd of="$tmp/zbig.npy" bs=1 seek=128 conv=notrunc status=none  # 1e30
restore_error "IPR noise out of range" "N(0, 1) draws" "${d[@]}" --input "$tmp/rgb.png" --ipr-noise "$tmp/zbig.npy" \
  --output "$tmp/out.npy"
"$tool" image "$tmp/wide.png" 70000 8 3
restore_error "output wider than PNG allows" "at most 65535" "${d[@]}" --input "$tmp/wide.png" --output "$tmp/out.png"
# a network far larger than any machine's memory for its image (dim 65536 at 256x256: ≈ 412 GB)
"$tool" image "$tmp/img256.png" 256 256 3
echo '{"dim": 65536}' >"$tmp/hugecfg.json"
restore_error "memory estimate above the machine's" "more than this machine's" --model deblur \
  --weights "$tmp/deblur_tiny.safetensors" --config "$tmp/hugecfg.json" --input "$tmp/img256.png" --output "$tmp/out.png"

finish
