#!/usr/bin/env bash
# The command-line contract of `diffbridge bench-schedules` and `diffbridge plot`: outputs,
# CSV columns, and bad input (one line on stderr, non-zero exit, no output file).
set -u
bin="$1"
. "$(dirname "$0")/../cli/lib.sh"

# bench-schedules on a tiny problem: every file, exact CSV header, one row per sampler x NFE
"$bin" bench-schedules --quick --out "$tmp/b" --bridges goub,rdbm-residual,ddbm-vp \
  --pixels 2 --samples 64 --nfe 2,5 >"$tmp/b.out" 2>"$tmp/b.err"
check "bench: exit 0" test $? -eq 0
for f in goub.csv goub.svg rdbm-residual.csv rdbm-residual.svg ddbm-vp.csv overview.svg; do
  check "bench: $f written" test -s "$tmp/b/$f"
done
check "bench: no other files" test "$(ls "$tmp/b" | wc -l)" -eq 7
check "bench: header" test "$(head -1 "$tmp/b/goub.csv")" = "bridge,sampler,nfe,w2,mean_err,var_err"
check "bench: goub rows (3 samplers x 2 NFE)" test "$(wc -l <"$tmp/b/goub.csv")" -eq 7
check "bench: ddbm-vp heun NFE is odd" grep -q "^ddbm-vp,heun,3," "$tmp/b/ddbm-vp.csv"
check "bench: rows are numbers" bash -c "! tail -n +2 '$tmp/b/goub.csv' | \
  grep -Evq '^goub,(eta=0|eta=1|euler-maruyama),[0-9]+(,[0-9.e+-]+){3}$'"
check "bench: summary names the best at 10 NFE" grep -q "best@10NFE" "$tmp/b.out"
check "bench: svg closed" bash -c "tail -1 '$tmp/b/goub.svg' | grep -q '</svg>'"

expect_error "bench: --out missing" "--out is required" bench-schedules --quick
expect_error "bench: unknown bridge" "unknown bridge 'nope'" bench-schedules --out "$tmp/c" --bridges nope
check "bench: nothing created on error" test ! -e "$tmp/c"
touch "$tmp/file"
expect_error "bench: --out is a file" "not a directory" bench-schedules --out "$tmp/file" --pixels 1
mkdir -p "$tmp/d/goub.svg"
expect_error "bench: an output name is a directory" "goub.svg: is a directory" bench-schedules --out "$tmp/d" \
  --bridges goub --pixels 1
check "bench: nothing written for it" test ! -e "$tmp/d/goub.csv"
expect_error "bench: a flag twice" "--quick given more than once" bench-schedules --quick --quick --out "$tmp/c"
expect_error "bench: bad --samples" "--samples" bench-schedules --out "$tmp/c" --samples 1
expect_error "bench: bad --nfe" "--nfe" bench-schedules --out "$tmp/c" --nfe 2,x
expect_error "bench: no parent" "parent directory" bench-schedules --out "$tmp/no/such/dir"

# plot: schedules, every preset, trajectories
"$bin" plot --bridge rdbm --out "$tmp/rdbm.svg"
check "plot: rdbm written" bash -c "head -1 '$tmp/rdbm.svg' | grep -q '^<?xml' && grep -q 'residual-to-noise' '$tmp/rdbm.svg'"
"$bin" plot --bridge goub --set T=50 --out "$tmp/goub.svg"
check "plot: --set accepted" grep -q "goub: SNR" "$tmp/goub.svg"
"$bin" plot --all --out "$tmp/all.svg"
for p in rdbm goub unidb irsde bbdm i2sb ddbm-ve ddbm-vp dbim resshift ddpm rectified-flow; do
  check "plot --all has $p" grep -q "$p: marginal coefficients" "$tmp/all.svg"
done
"$bin" plot --trajectories --bridge rdbm --pi residual --steps 5 --paths 3 --out "$tmp/t.svg"
check "plot: trajectories" grep -q "sample paths of one pixel (5 steps" "$tmp/t.svg"
"$bin" plot --trajectories --bridge resshift --out "$tmp/r.svg"
check "plot: trajectories on a short discretisation" test -s "$tmp/r.svg"
expect_error "plot: unknown bridge" "unknown bridge" plot --bridge nope --out "$tmp/x.svg"
expect_error "plot: bad --set" "unknown parameter" plot --bridge rdbm --set nope=1 --out "$tmp/x.svg"
expect_error "plot: --steps without --trajectories" "needs --trajectories" plot --bridge rdbm --steps 5 --out "$tmp/x.svg"
expect_error "plot: bad --pi" "--pi" plot --bridge rdbm --pi 2 --out "$tmp/x.svg"
expect_error "plot: --all with --bridge" "--all" plot --all --bridge rdbm --out "$tmp/x.svg"
expect_error "plot: unwritable" "cannot write" plot --bridge rdbm --out "$tmp/no/such/x.svg"
expect_error "plot: too many steps" "steps" plot --trajectories --bridge resshift --steps 50 --out "$tmp/x.svg"
check "plot: no partial file" test ! -e "$tmp/x.svg"
check "plot: no temporary left" test -z "$(ls "$tmp" | grep tmp)"

finish
