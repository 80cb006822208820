# Shared by the ccsim end-to-end tests: `fail` and `expect_error`, which runs ccsim expecting exit 2 and
# one line of error (notes aside) holding a pattern. Needs $ccsim and $dir; the caller names itself in
# $test_name.
fail() { echo "$test_name: $*" >&2; exit 1; }

expect_error() {  # expect_error "pattern" args...
  local pattern=$1; shift
  set +e
  "$ccsim" "$@" > /dev/null 2> "$dir/err.txt"
  local rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "'ccsim $*' exited $rc, want 2"
  [ "$(grep -vc '^ccsim: note:' "$dir/err.txt")" -eq 1 ] || fail "'ccsim $*' printed more than one error line"
  grep -q -- "$pattern" "$dir/err.txt" || fail "'ccsim $*' error lacks '$pattern': $(cat "$dir/err.txt")"
}
