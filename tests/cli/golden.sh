#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# CLI golden tests in the style of virsh's: each case is a command line in, and stdout, stderr and
# exit status out, compared byte for byte. A case is tests/cli/golden/NAME.cmd holding the arguments
# (shell words; $X86, $S390, $BROKEN, $DEMO_URI and $WORK are set) with NAME.out, NAME.err, NAME.rc
# beside it. UPDATE_GOLDEN=1 rewrites the expected files from what the program does now.
. "$srcdir/tests/lib/common.sh"

X86=$(fake_root x86-server)
S390=$(fake_root s390-zpci)
BROKEN=$(fake_root broken)
# entries the description language cannot express: a name that is no address, a dangling entry
mkdir -p "$BROKEN/bus/pci/devices/junk"
ln -s ../../../devices/pci0000:00/0000:00:1e.0 "$BROKEN/bus/pci/devices/0000:00:1e.0"
DEMO_URI="test://$top_srcdir/data/demo/guests.xml"
export X86 S390 BROKEN DEMO_URI WORK

# root's host lock held by another process all along: every case is a fake host with the test
# driver's own guests, whose changes serialise beside their journal and never wait for it
holder=""
if [ "$(id -u)" -eq 0 ] && command -v flock > /dev/null; then
    flock /run/pcipass.lock sleep 300 &
    holder=$!
fi

dir="$top_srcdir/tests/cli/golden"
for cmdfile in "$dir"/*.cmd; do
    name=$(basename "$cmdfile" .cmd)
    args=$(grep -v '^#' "$cmdfile")
    eval "set -- $args"
    run_cmd "$name" "$@"
    # the work dir differs on every run; golden files say @WORK@, @SRC@
    for s in out err; do
        sed -e "s|$WORK|@WORK@|g" -e "s|$top_srcdir|@SRC@|g" "$WORK/$name.$s" > "$WORK/$name.$s.n"
    done
    if [ -n "${UPDATE_GOLDEN:-}" ]; then
        cp "$WORK/$name.out.n" "$dir/$name.out"
        cp "$WORK/$name.err.n" "$dir/$name.err"
        cp "$WORK/$name.rc" "$dir/$name.rc"
    fi
    fail=0
    for s in out err rc; do
        src="$WORK/$name.$s"; [ $s = rc ] || src="$WORK/$name.$s.n"
        if ! diff -u "$dir/$name.$s" "$src" > "$WORK/$name.$s.diff" 2>&1; then
            fail=1
            diag < "$WORK/$name.$s.diff"
        fi
    done
    ok $fail "golden: pcipass $args"
done
if [ -n "$holder" ]; then
    kill "$holder"
    ! grep -l "Waiting for another pcipass" "$WORK"/*.err
    ok $? "no case waited for the real host's lock (/run/pcipass.lock), held by another process all along"
fi
done_testing
