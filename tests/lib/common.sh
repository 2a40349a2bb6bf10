# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the shell tests: TAP output, the binary under test, fake hosts in a private work dir.
# The harness sets srcdir (and top_builddir through TESTS_ENVIRONMENT).
: "${srcdir:=.}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
PCIPASS="$top_builddir/pcipass"
PCIPASS_WRAPPER=${PCIPASS_WRAPPER:-}
export LC_ALL=C.UTF-8 LANGUAGE=
unset LIBVIRT_DEFAULT_URI NO_COLOR
# libvirt would otherwise write its logs and caches under the tester's home
export HOME="${TMPDIR:-/tmp}"
# the sanitizer build: leaks that are glibc's own, not pcipass's, are named in tests/lsan.supp
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

tap_n=0
tap_failed=0
ok() { # CONDITION-STATUS DESCRIPTION; returns the status, so `ok $? "..." || diag < F` works
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_failed=$((tap_failed + 1))
        return 1
    fi
}
diag() { head -n 60 | sed "s/^/# /"; }
done_testing() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}

# jq as configure found it (the harness passes JQ): a missing one stops the suite, saying so, rather
# than failing each check that reads JSON
if [ -n "${JQ+set}" ]; then
    jq() {
        if [ -z "$JQ" ]; then
            echo "Bail out! jq is needed; configure found none (Debian: apt install jq, then configure)"
            exit 99
        fi
        "$JQ" "$@"
    }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pcipass-test.XXXXXX")
# changes are journalled: never into the tester's state or /var/lib
export PCIPASS_JOURNAL="$WORK/journal"
cleanup_work() { [ -n "${PP_KEEP_WORK:-}" ] || rm -rf "$WORK"; }
trap cleanup_work EXIT

# fake_root NAME: lays out tests' or the demo's NAME.hw once and prints its root
fake_root() {
    _r="$WORK/roots/$1"
    if [ ! -d "$_r" ]; then
        _d="$top_srcdir/tests/data/$1.hw"
        [ -f "$_d" ] || _d="$top_srcdir/data/demo/$1.hw"
        sh "$top_srcdir/tests/lib/mkfakesys.sh" "$_d" "$_r" >&2 || return 1
    fi
    printf '%s' "$_r"
}

# rc NAME: the exit status run_cmd (or a wrapper of it) kept; err_has/out_has NAME TEXT: TEXT is in
# its stderr/stdout, else that output goes to the diagnostics
rc() { cat "$WORK/$1.rc"; }
err_has() { grep -qF -- "$2" "$WORK/$1.err"; _r=$?; [ $_r -eq 0 ] || diag < "$WORK/$1.err"; return $_r; }
out_has() { grep -qF -- "$2" "$WORK/$1.out"; _r=$?; [ $_r -eq 0 ] || diag < "$WORK/$1.out"; return $_r; }

# run_cmd NAME ARGS...: runs pcipass, leaving stdout, stderr and status in $WORK/NAME.{out,err,rc}
run_cmd() {
    _n=$1; shift
    # PCIPASS_WRAPPER runs it under a tool, e.g. make check-valgrind's memcheck
    $PCIPASS_WRAPPER "$PCIPASS" "$@" > "$WORK/$_n.out" 2> "$WORK/$_n.err"
    echo $? > "$WORK/$_n.rc"
}
