# Helpers for the shell tests (sourced). The build sets DNN (the program)
# and top_srcdir (the source tree).
set -u

: "${DNN:?DNN must name the dnn program}"
: "${top_srcdir:?top_srcdir must name the source tree}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dnn-test.XXXXXX")
OUT="$TMP/.stdout"
ERR="$TMP/.stderr"
RC=0
failures=0
trap 'rm -rf "$TMP"' EXIT

# run CMD...: run it, keeping standard output in $OUT, standard error in
# $ERR and the exit status in $RC.
run() {
	RC=0
	"$@" > "$OUT" 2> "$ERR" || RC=$?
}

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect_exit() {
	if [ "$RC" -ne "$1" ]; then
		fail "expected exit $1, got $RC; stderr:"
		cat "$ERR" >&2
	fi
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures failure(s)" >&2
		exit 1
	fi
	exit 0
}
