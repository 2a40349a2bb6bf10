#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Output that cannot be written (/dev/full, a file size limit standing in for a full disk) is a
# failure, never a cut answer with status 0.
. "$srcdir/tests/lib/common.sh"

X86=$(fake_root x86-server)
URI="test://$top_srcdir/data/demo/guests.xml"

# ---- 6: stdout errors and the final close ----
"$PCIPASS" -c "$URI" --sysfs-root "$X86" list --json > /dev/full 2> "$WORK/full.err"
echo $? > "$WORK/full.rc"
[ "$(rc full)" = 1 ] && err_has full "cannot write the output: No space left on device"
ok $? "list --json > /dev/full: exit 1 with the error"
"$PCIPASS" -c "$URI" --sysfs-root "$X86" list > /dev/full 2> "$WORK/fullt.err"
echo $? > "$WORK/fullt.rc"
[ "$(rc fullt)" = 1 ] && err_has fullt "No space left on device"
ok $? "the text table too"
# a disk that fills after 4 KiB: SIGXFSZ ignored, so write() fails with EFBIG as on a full disk
(trap '' XFSZ; ulimit -f 4; exec "$PCIPASS" -c "$URI" --sysfs-root "$X86" list --json) \
    > "$WORK/cut.json" 2> "$WORK/cut.err"
echo $? > "$WORK/cut.rc"
[ "$(rc cut)" = 1 ] && err_has cut "cannot write the output: File too large"
ok $? "list --json into a file that cannot grow past 4 KiB: exit 1 with the error"
[ "$(wc -c < "$WORK/cut.json")" -le 4096 ] && ! jq -e . "$WORK/cut.json" > /dev/null 2>&1
ok $? "(the file holds cut JSON: the status is what tells)"
"$PCIPASS" -c "$URI" --sysfs-root "$X86" list --json > "$WORK/whole.json"
ok $? "with room, the same command exits 0"
"$PCIPASS" -c "$URI" guests > /dev/full 2> "$WORK/gfull.err"
[ $? = 1 ]; ok $? "guests > /dev/full: exit 1"

done_testing
