#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad operator input, one row each: the status and the message naming the field; nothing changed.
. "$srcdir/tests/lib/common.sh"

X86=$(fake_root x86-server)
URI="test://$top_srcdir/data/demo/guests.xml"

# identity files libpci reads as 0: garbage in one vendor file, an empty class file
BAD="$WORK/badid"
cp -a "$X86" "$BAD"
printf 'zz\n' > "$BAD/bus/pci/devices/0000:17:02.3/vendor"
: > "$BAD/bus/pci/devices/0000:17:02.2/class"
# without the kernel's uevent: libpci reads the identity from those files
rm "$BAD/bus/pci/devices/0000:17:02.3/uevent" "$BAD/bus/pci/devices/0000:17:02.2/uevent"
# hosts files: one host named twice; a line holding a NUL byte before a good one
printf 'test:///default\n%s\ntest:///default\n%s\n' "$URI" "$URI" > "$WORK/hosts-dup"
printf 'test:///default\ntest:///wo\000rk\n%s\n' "$URI" > "$WORK/hosts-nul"

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
ident-vendor|1|0000:17:02.3: its identity is unknown: its sysfs file 'vendor' holds no hex id|-c $URI --sysfs-root $BAD attach build 0000:17:02.3 --config
ident-class|1|0000:17:02.2: its identity is unknown: its sysfs file 'class' holds no hex id|-c $URI --sysfs-root $BAD prepare 0000:17:02.2 --dry-run
ident-list|0|0000:17:02.3: its identity is unknown: 'vendor' holds "zz", not a hex id|--sysfs-root $BAD list
guest-addr-zero|0|warning: guest-address: 0000:17:02.3 asked for 0000:00:00.0, and libvirt holds it with no guest address|-c $URI --sysfs-root $X86 attach build 0000:17:02.3 --config --guest-address 0000:00:00.0
guest-addr-kept|0|identity recorded in guest 'build': 0000:17:02.3|-c $URI --sysfs-root $X86 attach build 0000:17:02.3 --config --guest-address 0000:00:07.0
hosts-dup|0|warning: host 'test:///default' is named more than once; it is read once|--hosts $WORK/hosts-dup guests
hosts-nul|0|hosts-nul:2: 'test:///wo\x00rk' holds a NUL byte; line skipped|--hosts $WORK/hosts-nul guests
ident-list-empty|0|0000:17:02.2: its identity is unknown: 'class' is empty or unreadable|--sysfs-root $BAD list
ROWS
! grep -q "guest-address:" "$WORK/guest-addr-kept.err"; ok $? "an address libvirt keeps is not said to differ"
[ "$(grep -c "warning: host 'test:///default'" "$WORK/hosts-dup.err")" = 1 ] &&
    [ "$(grep -c "warning: host '" "$WORK/hosts-dup.err")" = 2 ] && [ "$(grep -c " web01 " "$WORK/hosts-dup.out")" = 1 ]
ok $? "a host named twice: said once per host, its guests listed once"
grep -q " web01 " "$WORK/hosts-nul.out" && ! grep -q "test:///wo:" "$WORK/hosts-nul.err"
ok $? "the line after the NUL byte is still read, and the line cut at its NUL is not taken as a URI"
# an unknown identity is never "ready", and the rest of the listing still shows
run_cmd ic -c "$URI" --sysfs-root "$BAD" check 0000:17:02.2 0000:17:02.3
out_has ic "[warn]  device    0000:17:02.2: its identity is unknown" && ! grep -q "17:02.[23] is ready" "$WORK/ic.out"
ok $? "check: a function whose identity is unknown says so, never 'ready to assign'"
run_cmd il --sysfs-root "$BAD" list --json
run_cmd il0 --sysfs-root "$X86" list --json
[ "$(jq length "$WORK/il.out")" = "$(jq length "$WORK/il0.out")" ] &&
    [ "$(jq -c '.[] | select(.address == "0000:17:02.3") | [.vendor_id, .vendor]' "$WORK/il.out")" = '[null,null]' ] &&
    [ "$(jq -c '.[] | select(.address == "0000:17:02.2") | [.class, .class_name]' "$WORK/il.out")" = '[null,null]' ]
ok $? "list --json: every function still listed, the ids that are not there null, not 0000"

# an empty -c (its own argument: a row of the table cannot hold an empty word)
run_cmd ce -c "" --sysfs-root "$X86" list
[ "$(rc ce)" = 2 ] && err_has ce "--connect: empty"; ok $? "-c '' is a usage error"
# what stays valid
run_cmd fc -c "$URI" --sysfs-root "$X86" find --class 0200 --json
[ "$(rc fc)" = 0 ] && [ "$(jq length "$WORK/fc.out")" -gt 0 ]; ok $? "find --class 0200 still matches"

done_testing
