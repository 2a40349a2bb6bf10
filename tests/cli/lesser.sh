#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad operator input, one row each: the status and the message naming the field; nothing changed.
. "$srcdir/tests/lib/common.sh"

X86=$(fake_root x86-server)
URI="test://$top_srcdir/data/demo/guests.xml"

# NAME|STATUS|MESSAGE|ARGS (ARGS split on blanks)
while IFS='|' read -r name want msg args; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086
    run_cmd "$name" $args
    [ "$(rc "$name")" = "$want" ] && err_has "$name" "$msg"
    ok $? "$name: pcipass $args -> status $want, '$msg'" || echo "status $(rc "$name")" | diag
done <<ROWS
find-class-3|2|--class: '020' is not a class in hex|-c $URI --sysfs-root $X86 find --class 020
find-class-5|2|--class: '02000' is not a class in hex|-c $URI --sysfs-root $X86 find --class 02000
mac-zero|1|mac: '00:00:00:00:00:00' is the all-zero address|--sysfs-root $X86 xml 0000:17:02.3 --interface --mac 00:00:00:00:00:00
journal-relative|2|--journal: 'journal' is a relative path|--journal journal history
ROWS
# an empty -c (its own argument: a row of the table cannot hold an empty word)
run_cmd ce -c "" --sysfs-root "$X86" list
[ "$(rc ce)" = 2 ] && err_has ce "--connect: empty"; ok $? "-c '' is a usage error"
# what stays valid
run_cmd fc -c "$URI" --sysfs-root "$X86" find --class 0200 --json
[ "$(rc fc)" = 0 ] && [ "$(jq length "$WORK/fc.out")" -gt 0 ]; ok $? "find --class 0200 still matches"

done_testing
