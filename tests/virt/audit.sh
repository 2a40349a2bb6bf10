#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pcipass audit on the real QEMU driver of a private qemu:///session: attach records each
# function's identity in the guest's metadata (virsh dumpxml shows it), then the fake host changes
# under the guests (a card replaced at its address, one moved to another address, one removed, a
# group partner back on its host driver, a second guest given a function) and the audit names
# each problem with what to do; an assignment made with virsh is unrecorded until audit --record.
# The s390 part (a zPCI uid twice in one guest, a uid the host does not keep unique) runs on
# libvirt's test driver, which stores what the QEMU driver would refuse.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start jq
ROOT="$WORK/roots/audit"
mkdir -p "$WORK/roots"
sh "$top_srcdir/tests/lib/mkfakesys.sh" "$top_srcdir/tests/data/audit.hw" "$ROOT" >&2
chmod -R a+rX "$WORK/roots"
J="$SESSION/journal"
pp() { _n=$1; shift; run_session "$_n" --sysfs-root "$ROOT" --journal "$J" "$@"; }
finding() { # NAME KIND GUEST ADDRESS: the finding's object in NAME's JSON, or nothing
    jq -c --arg k "$2" --arg g "$3" --arg a "$4" \
        '.findings[] | select(.kind == $k and .guest == $g and .address == $a)' "$WORK/$1.out"
}
has_finding() { # NAME KIND GUEST ADDRESS [TEXT]: there, with advice, its message holding TEXT
    _f=$(finding "$@")
    [ -n "$_f" ] && printf '%s' "$_f" | jq -e '.advice | length > 0' > /dev/null &&
        printf '%s' "$_f" | jq -r .message | grep -qF -- "${5:-}" ||
        { echo "no $2 finding for $3 $4 ${5:+with '$5'}" | diag; diag < "$WORK/$1.out"; return 1; }
}

session_define ga x86_64
session_define gb x86_64
ok $? "private qemu:///session started, guests ga and gb defined"

for a in 0000:03:00.0 0000:04:00.0 0000:05:00.0 0000:06:00.0 0000:07:00.0; do
    pp "at$a" attach ga "$a" --config || true
done
[ "$(rc at0000:03:00.0)" = 0 ] && err_has at0000:03:00.0 \
    "identity recorded in guest 'ga': 0000:03:00.0 8086:10fb subsystem 8086:000c class 020000 serial 00-1b-21-ff-ff-aa-00-01"
ok $? "attach says what identity it recorded, the Device Serial Number read through libpci"
virsh_s dumpxml --inactive ga > "$WORK/ga.xml"
grep -q "<pcipass:identity xmlns:pcipass=\"urn:pcipass:identity:1\">" "$WORK/ga.xml" &&
    grep -q "address=\"0000:04:00.0\" vendor=\"0x8086\" device=\"0x10fb\" subsystem-vendor=\"0x8086\" subsystem-device=\"0x000c\" class=\"0x020000\" serial=\"00-1b-21-ff-ff-aa-00-02\"" "$WORK/ga.xml" &&
    grep -q "address=\"0000:05:00.0\" vendor=\"0x144d\" device=\"0xa808\"" "$WORK/ga.xml" &&
    [ "$(grep -c '<pcipass:function ' "$WORK/ga.xml")" = 5 ]
_r=$?; [ $_r -eq 0 ] || diag < "$WORK/ga.xml"
ok $_r "virsh dumpxml shows the five identities in the pcipass metadata"

pp clean audit ga --json
[ "$(rc clean)" = 0 ] && [ "$(jq '.findings | length' "$WORK/clean.out")" = 0 ] &&
    [ "$(jq .assignments "$WORK/clean.out")" = 5 ]
ok $? "audit of ga right after the attaches: five assignments, no findings, exit 0"

# detach removes the entry, and only that one
pp det detach ga 0000:07:00.0 --config
virsh_s dumpxml --inactive ga > "$WORK/ga2.xml"
[ "$(rc det)" = 0 ] && ! grep -q 'address="0000:07:00.0"' "$WORK/ga2.xml" &&
    [ "$(grep -c '<pcipass:function ' "$WORK/ga2.xml")" = 4 ]
ok $? "detach removes that function's identity and keeps the others"
pp re7 attach ga 0000:07:00.0 --config

# an assignment made without pcipass
cat > "$WORK/nic.xml" <<'XML'
<hostdev mode='subsystem' type='pci' managed='yes'>
  <source><address domain='0x0000' bus='0x08' slot='0x00' function='0x0'/></source>
</hostdev>
XML
chmod 644 "$WORK/nic.xml"
virsh_s attach-device gb "$WORK/nic.xml" --config > /dev/null
pp unrec audit --json
[ "$(rc unrec)" = 1 ] && has_finding unrec unrecorded gb 0000:08:00.0 "no identity recorded"
ok $? "virsh's attach-device is found unrecorded, exit 1"
pp rec audit --record gb
[ "$(rc rec)" = 0 ] &&
    out_has rec "recorded in guest 'gb': 0000:08:00.0 8086:1533 subsystem 0000:0000 class 020000 serial none" &&
    out_has rec "No findings: 1 assignments of 1 guests are as recorded." &&
    virsh_s dumpxml --inactive gb | grep -q 'address="0000:08:00.0" vendor="0x8086" device="0x1533"'
ok $? "audit --record stores it without asking, prints exactly that, and gb audits clean"

# --- the host changes under the guests ---
rm -rf "$ROOT"
sh "$top_srcdir/tests/lib/mkfakesys.sh" "$top_srcdir/tests/data/audit-after.hw" "$ROOT" >&2
chmod -R a+rX "$WORK/roots"
# a second guest given ga's function, by virsh (pcipass would refuse it)
sed 's/bus=.0x08./bus='"'"'0x07'"'"'/' "$WORK/nic.xml" > "$WORK/nic7.xml"
chmod 644 "$WORK/nic7.xml"
virsh_s attach-device gb "$WORK/nic7.xml" --config > /dev/null
pp after audit --json
[ "$(rc after)" = 1 ]; ok $? "audit after the changes exits 1"
has_finding after replaced ga 0000:03:00.0 "was 8086:10fb (subsystem 8086:000c, class 020000, serial 00-1b-21-ff-ff-aa-00-01), is 8086:1521 (subsystem 8086:0001, class 020000, serial none)"
ok $? "a device replaced at the same address: what was and what is"
has_finding after missing ga 0000:04:00.0 "now found at 0000:09:00.0" &&
    finding after missing ga 0000:04:00.0 | jq -r .advice | grep -qF "attach 0000:09:00.0 instead"
ok $? "a device moved to another address: the new address named, by its serial number"
has_finding after missing ga 0000:05:00.0 "0000:05:00.0 does not exist on this host" &&
    ! finding after missing ga 0000:05:00.0 | grep -q "found at"
ok $? "an address removed"
has_finding after group ga 0000:06:00.0 "partner 0000:06:00.1 is bound to host driver snd_hda_intel"
ok $? "a group partner back on a host driver: the group is not viable"
has_finding after shared ga 0000:07:00.0 "guest 'gb'" && has_finding after shared gb 0000:07:00.0 "guest 'ga'"
ok $? "a function held by two guests: a finding for each, naming the other"
has_finding after unrecorded gb 0000:07:00.0 && [ -z "$(finding after unrecorded gb 0000:08:00.0)" ]
ok $? "the new virsh assignment is unrecorded, the recorded one is not"
[ "$(jq -r '.findings[0].severity' "$WORK/after.out")" = 3 ] &&
    [ "$(jq -r '.findings[-1].severity' "$WORK/after.out")" = 1 ]
ok $? "worst first"
pp text audit ga
[ "$(rc text)" = 1 ] && out_has text "replaced in guest 'ga': 0000:03:00.0 holds another device" &&
    out_has text "  what to do: detach 0000:04:00.0 from guest 'ga' and attach 0000:09:00.0 instead"
ok $? "the text output: each finding with what to do"
pp nosuch audit nosuch
[ "$(rc nosuch)" = 1 ] && err_has nosuch "no guest named 'nosuch'"
ok $? "an unknown guest is an error"

# --- s390: zPCI ids (libvirt's test driver stores what the QEMU driver refuses) ---
Z="$WORK/roots/s390"
sh "$top_srcdir/tests/lib/mkfakesys.sh" "$top_srcdir/tests/data/audit-s390.hw" "$Z" >&2
run_cmd z -c "test://$top_srcdir/tests/data/audit-s390.xml" --sysfs-root "$Z" audit --json
[ "$(rc z)" = 1 ] && has_finding z zpci-duplicate zdup 0002:00:00.0 "uid 0x0007 is used 2 times"
ok $? "s390: a zPCI uid used twice in one guest"
has_finding z uid-not-unique zdup 0002:00:00.0 "uid_is_unique is 0" &&
    has_finding z uid-not-unique zdup 0001:00:00.0 "uid_is_unique is 0"
ok $? "s390: a host that does not keep uids unique: said of each of its functions the guest holds"

# --- x86 on the test driver: SR-IOV, reset, managed='no' (guests running) ---
X="$WORK/roots/x86"
sh "$top_srcdir/tests/lib/mkfakesys.sh" "$top_srcdir/tests/data/audit-x86.hw" "$X" >&2
run_cmd x -c "test://$top_srcdir/tests/data/audit-x86.xml" --sysfs-root "$X" audit --json
[ "$(rc x)" = 1 ] && has_finding x sriov pfguest 0000:17:00.0 "VF 0000:17:02.0, which guest 'vfguest'" &&
    has_finding x sriov vfguest 0000:17:02.0 "PF 0000:17:00.0, which guest 'pfguest'"
ok $? "a PF in one guest and its VF (an interface type='hostdev') in another: a finding for each"
has_finding x no-reset vfguest 0000:20:00.0 "no reset method"
ok $? "a function the kernel cannot reset"
has_finding x unmanaged vfguest 0000:21:00.0 "managed='no' in running guest 'vfguest', but is not on a VFIO driver: 0000:21:00.0 is on igb" &&
    finding x unmanaged vfguest 0000:21:00.0 | jq -r .advice | grep -qF "pcipass prepare 0000:21:00.0"
ok $? "managed='no' in a running guest while the function is on a host driver"

# hostile input: a guest name with a newline, an identity entry that does not parse
has_finding x damaged-record "$(printf 'evil\nname')" 0000:22:00.0 "(serial cannot be read); what could be read, 8086:1533 (subsystem 0000:0000, class 020000, serial ?), matches" &&
    ! finding x unrecorded "$(printf 'evil\nname')" 0000:22:00.0 | grep -q .
ok $? "an identity entry with a bad serial: the record is damaged, compared on the rest, never unrecorded"
run_cmd xt -c "test://$top_srcdir/tests/data/audit-x86.xml" --sysfs-root "$X" audit
[ "$(rc xt)" = 1 ] && out_has xt "damaged-record in guest 'evil\x0aname': 0000:22:00.0" &&
    out_has xt "sriov in guest 'pfguest'" && ! grep -q "^name'" "$WORK/xt.out"
ok $? "text: the newline of a guest's name is escaped, and the other guests are audited"

# a replaced device whose record has a bad serial: replaced, from the ids that still read
sed -e 's/device="0x1533" subsystem-vendor="0x0000"/device="0x10fb" subsystem-vendor="0x0000"/' \
    "$top_srcdir/tests/data/audit-x86.xml" > "$WORK/replaced.xml"
run_cmd rp -c "test://$WORK/replaced.xml" --sysfs-root "$X" audit --json
has_finding rp replaced "$(printf 'evil\nname')" 0000:22:00.0 "was 8086:10fb (subsystem 0000:0000, class 020000, serial ?), is 8086:1533" &&
    has_finding rp damaged-record "$(printf 'evil\nname')" 0000:22:00.0 "does not match" &&
    ! finding rp unrecorded "$(printf 'evil\nname')" 0000:22:00.0 | grep -q .
ok $? "a replaced device with a malformed recorded serial: replaced and damaged-record, not unrecorded"

# the test driver's redefinition path records the identity too (SetMetadata works there)
run_cmd zt -c "test://$top_srcdir/tests/data/audit-s390.xml" --sysfs-root "$ROOT" --journal "$WORK/tj" \
    attach zdup 0000:09:00.0 --config --force
[ "$(rc zt)" = 0 ] && err_has zt "identity recorded in guest 'zdup': 0000:09:00.0 8086:10fb"
ok $? "test driver: the redefinition path records the identity as well"

done_testing
