#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A non-UTF-8 locale (C, POSIX) with UTF-8 in guest names and device names: the bytes pass through
# unchanged, JSON stays valid, nothing crashes.
. "$srcdir/tests/lib/common.sh"

X86=$(fake_root x86-server)
cat > "$WORK/utf8.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <cpu><mhz>2400</mhz><model>x86_64</model></cpu>
  <memory>8388608</memory>
  <domain type='test'>
    <name>wébserveur-東京</name>
    <uuid>6f0a6a6c-1d1e-4b8a-9e0a-0000000000e1</uuid>
    <test:runstate>5</test:runstate>
    <memory unit='GiB'>2</memory>
    <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
    <devices>
      <hostdev mode='subsystem' type='pci' managed='yes'>
        <source><address domain='0x0000' bus='0x17' slot='0x02' function='0x1'/></source>
      </hostdev>
    </devices>
  </domain>
</node>
XML
URI="test://$WORK/utf8.xml"
name='wébserveur-東京'
# a device name with UTF-8 bytes: pci.ids of the root is the system's; a guest name carries it here,
# and a sysfs driver name with UTF-8 bytes (the kernel allows any bytes but '/')
mkdir -p "$X86/bus/pci/drivers/drv-ü"
ln -sfn ../../../bus/pci/drivers/drv-ü "$X86/devices/pci0000:b3/0000:b3:00.0/driver"

for loc in C POSIX; do
    LC_ALL=$loc; export LC_ALL
    run_cmd "g$loc" -c "$URI" guests --json
    [ "$(cat "$WORK/g$loc.rc")" = 0 ] && [ "$(jq -r '.[0].name' "$WORK/g$loc.out")" = "$name" ]
    ok $? "LC_ALL=$loc: guests --json: the UTF-8 name, byte for byte, in valid JSON"
    run_cmd "gt$loc" -c "$URI" guests
    [ "$(cat "$WORK/gt$loc.rc")" = 0 ] && grep -qF "$name" "$WORK/gt$loc.out"
    ok $? "LC_ALL=$loc: guests as text shows the name unchanged"
    run_cmd "l$loc" -c "$URI" --sysfs-root "$X86" list
    [ "$(cat "$WORK/l$loc.rc")" = 0 ] && grep -qF "$name[C]" "$WORK/l$loc.out" && grep -qF "drv-ü" "$WORK/l$loc.out"
    ok $? "LC_ALL=$loc: list as text shows the owner and the driver unchanged"
    run_cmd "lj$loc" -c "$URI" --sysfs-root "$X86" list --json
    [ "$(jq -r '.[] | select(.address=="0000:b3:00.0") | .driver' "$WORK/lj$loc.out")" = "drv-ü" ]
    ok $? "LC_ALL=$loc: list --json: the driver name in valid JSON"
    run_cmd "a$loc" -c "$URI" --sysfs-root "$X86" attach "$name" 0000:17:02.3 --dry-run
    [ "$(cat "$WORK/a$loc.rc")" = 0 ] && grep -qF "of guest '$name'" "$WORK/a$loc.out"
    ok $? "LC_ALL=$loc: attach --dry-run names the guest unchanged"
    run_cmd "n$loc" -c "$URI" --sysfs-root "$X86" attach 'nöguest' 0000:17:02.3
    [ "$(cat "$WORK/n$loc.rc")" = 1 ] && grep -qF "no guest named 'nöguest'" "$WORK/n$loc.err" && grep -qF "$name" "$WORK/n$loc.err"
    ok $? "LC_ALL=$loc: a refusal quotes both UTF-8 names unchanged"
done
# bytes that are not UTF-8 at all, in an argument: refused as an address, message intact, no crash
LC_ALL=C; export LC_ALL
run_cmd bad xml "$(printf '\377\376:17:02.1')"
[ "$(cat "$WORK/bad.rc")" = 1 ] && grep -q "invalid PCI address" "$WORK/bad.err"
ok $? "LC_ALL=C: an address of invalid bytes is refused cleanly"

done_testing
