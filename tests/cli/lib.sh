# Shared helpers of the command-line test scripts; source it after setting bin (the tool).
#   check NAME CONDITION...          counts a failure when CONDITION fails
#   expect_error NAME SUBSTRING ARGS...
#       "$bin" ARGS exits non-zero, prints nothing on stdout and one stderr line naming
#       SUBSTRING, and leaves no file $tmp/out.* (name outputs $tmp/out.EXT) and no *.tmp behind
#   finish                           the verdict and the exit code
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {
  local name="$1"; shift
  if "$@"; then :; else echo "FAIL: $name"; fails=$((fails + 1)); fi
}
expect_error() {
  local name="$1" want="$2"; shift 2
  rm -f "$tmp"/out.*
  "$bin" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  check "$name: non-zero exit" test "$rc" -ne 0
  check "$name: empty stdout" test ! -s "$tmp/stdout"
  check "$name: one stderr line" test "$(wc -l <"$tmp/stderr")" -eq 1
  check "$name: message names '$want' (got: $(cat "$tmp/stderr"))" grep -q -- "$want" "$tmp/stderr"
  check "$name: no output file" bash -c "! ls '$tmp'/out.* >/dev/null 2>&1"
  check "$name: no temporary left" test -z "$(ls "$tmp" | grep tmp)"
}
finish() {
  if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
  echo "all checks passed"
}
