#!/usr/bin/env bash
# The command-line contract of `diffbridge --version | list | coeffs | step | CMD --help`.
set -u
bin="$1"
. "$(dirname "$0")/lib.sh"

check "version" bash -c "'$bin' --version | grep -Eq '^diffbridge [0-9]+\.[0-9]+\.[0-9]+$'"
"$bin" list >"$tmp/list"
check "list has 12 presets" test "$(wc -l <"$tmp/list")" -eq 12
for p in rdbm goub unidb irsde bbdm i2sb ddbm-ve ddbm-vp dbim resshift ddpm rectified-flow; do
  check "list contains $p" grep -qx "$p" "$tmp/list"
done

"$bin" coeffs --bridge rdbm >"$tmp/c"
check "coeffs header" test "$(head -1 "$tmp/c")" = "t,c_x0,c_y,std"
check "rdbm rows = 100" test "$(wc -l <"$tmp/c")" -eq 101
check "rdbm first row index 0" bash -c "sed -n 2p '$tmp/c' | grep -q '^0,0.99936891743694'"
check "rdbm pinned end" test "$(tail -1 "$tmp/c")" = "99,0,1,0"
"$bin" coeffs --bridge goub >"$tmp/g"
check "goub rows = 101" test "$(wc -l <"$tmp/g")" -eq 102
"$bin" coeffs --bridge ddbm-ve --at 1,40 >"$tmp/v"
check "ddbm-ve --at" test "$(sed -n 3p "$tmp/v")" = "40,0.75,0.25,34.641016151377549"
"$bin" coeffs --bridge rdbm --set lambda=1e-4 --at 89 >"$tmp/l"
check "--set lambda" bash -c "sed -n 2p '$tmp/l' | grep -q '^89,0.0279427.*,0.00999'"

"$bin" step --bridge rdbm --from 99 --to 89 >"$tmp/s"
check "step header" test "$(head -1 "$tmp/s")" = "c_xt,c_x0,c_y,c_z"
check "step rows" test "$(wc -l <"$tmp/s")" -eq 2
check "rdbm first step" bash -c "sed -n 2p '$tmp/s' | grep -q '^0,0.027942703351228'"
"$bin" step --bridge ddpm --from 900 --to 800 --eta 1 >"$tmp/d"
check "ddpm eta=1 has noise" bash -c "sed -n 2p '$tmp/d' | awk -F, '{exit !(\$4 > 0)}'"

"$bin" step --bridge goub --from 100 --to 99 --sampler euler-maruyama >"$tmp/em"
check "goub euler-maruyama from the pinned end" bash -c "sed -n 2p '$tmp/em' | grep -q '^1.10406950949731'"
expect_error "sampler unavailable" "sampler 'euler-maruyama'" step --bridge rdbm --from 99 --to 89 --sampler euler-maruyama
expect_error "unknown bridge" "unknown bridge 'nope'" coeffs --bridge nope
expect_error "unknown key" "unknown parameter 'lamda'" coeffs --bridge rdbm --set lamda=1
expect_error "bad value" "lambda" coeffs --bridge rdbm --set lambda=-1
expect_error "not a number" "not a finite number" coeffs --bridge rdbm --set lambda=abc
expect_error "time outside" "t = 100" coeffs --bridge rdbm --at 100
expect_error "continuous needs --at" "--at" coeffs --bridge ddbm-vp
expect_error "wrong way" "wrong way" step --bridge rdbm --from 9 --to 19
expect_error "eta range" "eta" step --bridge rdbm --from 19 --to 9 --eta 2
expect_error "missing --from" "--from" step --bridge rdbm --to 9
expect_error "unknown option" "unknown option" coeffs --bridge rdbm --frobnicate
expect_error "unknown command" "unknown command" frobnicate
expect_error "unknown command with --help" "unknown command" frobnicate --help
# control bytes of an argument are shown as '?': the error stays one line
expect_error "a newline in the command" "unknown command 'frob?nicate'" $'frob\nnicate'
expect_error "a newline in an option's value" "unknown bridge 'rd?bm'" coeffs --bridge $'rd\nbm'
expect_error "list takes no options" "unexpected argument '--foo'" list --foo
expect_error "--version takes no options" "unexpected argument '--bogus'" --version --bogus
expect_error "--set twice" "--set T given more than once" coeffs --bridge goub --set T=10 --set T=20
expect_error "parameter range edge" "sigma_max" coeffs --bridge ddbm-ve --set sigma_max=1e155 --at 0.5
expect_error "integer overflow quoted as given" "--steps 1e300: must be an integer in" \
  plot --trajectories --bridge goub --steps 1e300 --out "$tmp/out.svg"
expect_error "seed range" "--seed 1e300: must be an integer in" \
  plot --trajectories --bridge goub --seed 1e300 --out "$tmp/out.svg"
expect_error "threads range" "--threads 100000: must be an integer in" \
  bench-kernel --backend std --elements 1000 --threads 100000
expect_error "elements range" "--elements 1e10: must be an integer in" \
  bench-kernel --backend std --elements 1e10
# output that cannot be written is an error (not exit 0 with nothing written)
if [ -w /dev/full ]; then
  "$bin" coeffs --bridge goub >/dev/full 2>"$tmp/full"
  check "stdout to a full device: non-zero exit" test $? -ne 0
  check "stdout to a full device: says so" grep -q "cannot write to standard output" "$tmp/full"
fi
# a malformed golden file: one line naming it, and no partial table on stdout
mkdir -p "$tmp/g_cols" "$tmp/g_num"
printf '# bridge=goub\nt,c_x0\n1,2\n' >"$tmp/g_cols/x.coeffs.csv"
expect_error "golden file with too few columns" "x.coeffs.csv: 2 columns" study --golden "$tmp/g_cols"
printf '# bridge=goub\nt,c_x0,c_y,std\n1,abc,0,0\n' >"$tmp/g_num/x.coeffs.csv"
expect_error "golden file with a bad number" "x.coeffs.csv: 'abc' is not a finite number" \
  study --golden "$tmp/g_num"

# `diffbridge CMD --help`: that command's usage lines on stdout, exit 0, nothing else run
"$bin" restore --help >"$tmp/h" 2>"$tmp/he"
check "restore --help exits 0" test $? -eq 0
check "restore --help names --model" grep -q -- "--model deblur" "$tmp/h"
check "restore --help has its default-model form" grep -q -- "restore --model default" "$tmp/h"
check "restore --help only restore" bash -c "! grep -q -- 'coeffs --bridge' '$tmp/h'"
check "restore --help: empty stderr" test ! -s "$tmp/he"
check "plot -h" bash -c "'$bin' plot -h | grep -q -- '--trajectories'"
expect_error "-h as an option's value is not help" "bridge" coeffs --bridge -h

finish
