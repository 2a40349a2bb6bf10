#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Remote hosts and a fleet, through a real daemon: an unprivileged libvirtd (the private session)
# serves libvirt's test driver over its socket, so a host file with <device> entries is a remote
# host reached by the real RPC path; the same daemon's qemu:///session is this machine seen as a
# remote. A fleet of both plus a host that is not there.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start jq
virsh_s list > /dev/null
SOCK="$SESSION/run/libvirt/libvirt-sock"
[ -S "$SOCK" ]; ok $? "private daemon listening on its socket"

# A host no machine here has: addresses, ids and groups that /sys cannot hold by accident.
cp "$top_srcdir/tests/data/remote-host.xml" "$WORK/hostb.xml"
chmod 644 "$WORK/hostb.xml"
B="test+unix://$WORK/hostb.xml?socket=$SOCK"
L="qemu+unix:///session?socket=$SOCK"
DEAD="test+unix://$WORK/hostb.xml?socket=$WORK/no-such-sock"
pp() { _n=$1; shift; as_session "$PCIPASS" "$@" > "$WORK/$_n.out" 2> "$WORK/$_n.err"; echo $? > "$WORK/$_n.rc"; }

# ---- the remote inventory is the host file's, never this machine's /sys ----
pp r1 -c "$B" list --json
ok "$(rc r1)" "list on a remote URI"
[ "$(jq -r '[.[].address] | join(" ")' "$WORK/r1.out")" = "0000:b5:00.0 0000:b5:02.0 0000:d8:00.0 0003:c1:00.0" ]
ok $? "remote functions are exactly the host file's node devices"
[ "$(jq -r '.[0] | "\(.class) \(.vendor_id) \(.device_id) \(.vendor)/\(.device) \(.iommu_group) \(.numa_node) \(.sriov.total) \(.sriov.enabled) \(.physfn)"' "$WORK/r1.out")" = \
  "0x020000 0x8086 0x1572 Intel Corporation/Ethernet Controller X710 for 10GbE SFP+ 71 1 64 1 null" ]
ok $? "PF: class, ids, names, group, NUMA node, SR-IOV as the node device says"
[ "$(jq -r '.[1] | "\(.physfn) \(.iommu_group) \(.numa_node) \(.owners[0].guest) \(.owners[0].config)"' "$WORK/r1.out")" = "0000:b5:00.0 90 null db1 true" ]
ok $? "VF: its PF, its group, no NUMA node, owned by the remote guest"
[ "$(jq -r '[.[] | "\(.subsystem_vendor_id)/\(.subsystem_device_id)/\(.zpci)"] | unique | join(" ")' "$WORK/r1.out")" = "null/null/null" ]
ok $? "what node devices do not carry is null, not zero"
# names: libvirt's where it sent them, else this machine's pci.ids through libpci's lookup
[ "$(jq -r '.[] | select(.address == "0000:b5:00.0") | "\(.class_name)/\(.vendor)"' "$WORK/r1.out")" = "Ethernet controller/Intel Corporation" ]
ok $? "the class name of a remote function from this machine's pci.ids (node devices name none)"
if grep -q "^15b3  Mellanox" /usr/share/misc/pci.ids 2>/dev/null; then
    [ "$(jq -r '.[] | select(.address == "0000:d8:00.0") | "\(.vendor)/\(.device)"' "$WORK/r1.out")" = \
      "$(awk '/^15b3 /{v=substr($0,7);m=1;next} m&&/^\t1017 /{print v "/" substr($0,8); exit} /^[0-9a-f]/{m=0}' /usr/share/misc/pci.ids)" ]
    ok $? "a remote function the daemon sent without names is named from pci.ids"
else
    ok 0 "# SKIP no pci.ids with 15b3 on this machine"
fi
for a in $(jq -r '.[].address' "$WORK/r1.out"); do
    [ ! -e "/sys/bus/pci/devices/$a" ] || { false; break; }
done
ok $? "none of them is a function of this machine"

pp r2 -c "$B" list
out_has r2 "0003:c1:00.0" && out_has r2 "db1[LC]"; ok $? "text list of the remote host with its owner"

pp r3 -c "$B" check 0003:c1:00.0
[ "$(rc r3)" -eq 0 ] && out_has r3 "unknown on this host" && out_has r3 "IOMMU active: 4 IOMMU groups"
ok $? "check on the remote host: what libvirt tells, the rest unknown on this host"
out_has r3 "ready to assign"; [ $? -ne 0 ]; ok $? "an unknown host-critical fact never reads as ready"

pp r4 -c "$B" attach db1 0003:c1:00.0 --dry-run
[ "$(rc r4)" -eq 0 ] && err_has r4 "host-critical (root filesystem, default route, boot VGA) is unknown on this host"
ok $? "the guard that cannot know warns, visibly, on a remote attach"

# the driver behind a daemon is known too: libvirt's test driver there has no live change
pp r5 -c "$B" attach db1 0000:d8:00.0 --live
[ "$(rc r5)" -eq 1 ] && err_has r5 "--live: this connection's driver (libvirt's test driver) cannot change the devices of a running guest such as 'db1'"
ok $? "through a daemon: a live change to the test driver refused in words before it is sent"

# ---- one node device pcipass cannot read: said by name, the others listed (the reading of each
# device overlaps the fetching of the next; a skipped one must not stop or shift the rest) ----
# slot 40 is no PCI slot (0-31); libvirt's test driver stores it as given
cat > "$WORK/bad-device.xml" << 'EOF'
  <device>
    <name>pci_0000_b5_28_0</name>
    <parent>computer</parent>
    <capability type='pci'>
      <class>0x020000</class>
      <domain>0</domain><bus>181</bus><slot>40</slot><function>0</function>
      <product id='0x1572'/><vendor id='0x8086'/>
    </capability>
  </device>
EOF
awk -v bad="$WORK/bad-device.xml" '/^  <device>$/ && !done { while ((getline l < bad) > 0) print l; done = 1 } { print }' \
    "$WORK/hostb.xml" > "$WORK/hostbad.xml"
chmod 644 "$WORK/hostbad.xml"
pp n1 -c "test+unix://$WORK/hostbad.xml?socket=$SOCK" list --json
[ "$(rc n1)" -eq 0 ] && [ "$(jq -r '[.[].address] | join(" ")' "$WORK/n1.out")" = "0000:b5:00.0 0000:b5:02.0 0000:d8:00.0 0003:c1:00.0" ] &&
    [ "$(jq -r '.[] | select(.address == "0000:b5:02.0") | .owners[0].guest' "$WORK/n1.out")" = db1 ]
ok $? "a node device with slot 40 (libvirt takes it): the four others listed, owners as before"
err_has n1 "warning: node device pci_0000_b5_28_0: the node device has no valid domain, bus, slot and function; skipped"
ok $? "and the one left out is named, with the reason"

# ---- source selection ----
pp s1 -c "$B" --sysfs-root /sys list
[ "$(rc s1)" -eq 2 ] && err_has s1 "--inventory sysfs"; ok $? "a remote URI with --sysfs-root is refused"
pp s2 -c "$B" --sysfs-root /sys --inventory sysfs list --json
[ "$(rc s2)" -eq 0 ] && [ "$(jq -r '[.[].address] | index("0000:b5:00.0")' "$WORK/s2.out")" = null ]
ok $? "--inventory sysfs reads the given sysfs root for it"
pp s3 -c "test:///default" --inventory libvirt list
[ "$(rc s3)" -eq 0 ]; ok $? "--inventory libvirt on a local URI: node devices"
pp s4 --inventory nfs list
[ "$(rc s4)" -eq 2 ] && err_has s4 "valid: sysfs, libvirt"; ok $? "an unknown --inventory is a usage error"

# ---- this machine through its own daemon, against libpci on this machine ----
pp l1 -c "$L" list --json
pp l2 -c qemu:///session list --json
if [ "$(jq length "$WORK/l2.out")" -gt 0 ]; then
    q='[.[] | "\(.address) \(.class) \(.vendor_id) \(.device_id) \(.driver) \(.iommu_group) \(.physfn) \(.sriov)"] | join("\n")'
    jq -r "$q" "$WORK/l1.out" > "$WORK/l1.txt"; jq -r "$q" "$WORK/l2.out" > "$WORK/l2.txt"
    cmp -s "$WORK/l1.txt" "$WORK/l2.txt"; ok $? "node devices of this machine equal libpci's on every field both carry"
    diff "$WORK/l1.txt" "$WORK/l2.txt" | diag
else
    ok 0 "# SKIP this machine shows no PCI functions"
fi

# ---- a fleet: two daemons' hosts and one that is not there ----
pp f1 -c "$B" -c "$L" -c "$DEAD" list
[ "$(rc f1)" -eq 1 ]; ok $? "a fleet with an unreachable host: exit status 1"
head -n 1 "$WORK/f1.out" | grep -q "^HOST  *ADDRESS"; ok $? "the text table gains a HOST column"
grep -q "^test+unix://$WORK/hostb.xml?socket=$SOCK  *0003:c1:00.0" "$WORK/f1.out" &&
    grep -q "^qemu+unix:///session?socket=$SOCK " "$WORK/f1.out"
ok $? "both reachable hosts listed, each row with its host"
err_has f1 "$DEAD: unreachable:" && err_has f1 "no-such-sock"
ok $? "the unreachable host reported with libvirt's reason"

pp f2 -c "$B" -c "$L" -c "$DEAD" list --json
[ "$(jq -r '[.[] | has("host")] | all' "$WORK/f2.out")" = true ] &&
    [ "$(jq -r --arg h "$B" '[.[] | select(.host == $h)] | length' "$WORK/f2.out")" = 4 ]
ok $? "every JSON object has its host, the URI as given"
printf '%s\n# a comment\n\n%s\n' "$B" "$L" > "$WORK/hosts"; chmod 644 "$WORK/hosts"
pp f3 --hosts "$WORK/hosts" owners --json
[ "$(rc f3)" -eq 0 ] && [ "$(jq -r '.[] | "\(.host) \(.address) \(.owners[0].guest)"' "$WORK/f3.out")" = "$B 0000:b5:02.0 db1" ]
ok $? "--hosts FILE: owners per host"
pp f4 -c "$B" -c "$L" guests
head -n 1 "$WORK/f4.out" | grep -q "^HOST  *NAME"; ok $? "guests in a fleet: HOST column"

pp f5 -c "$B" -c "$L" -c "$DEAD" find --vendor 10de --json
[ "$(rc f5)" -eq 1 ] && [ "$(jq -r '.[] | "\(.host) \(.address)"' "$WORK/f5.out")" = "$B 0003:c1:00.0" ]
ok $? "find --vendor across the fleet"
# a remote host's functions are listed free, marked for what could not be checked there; what
# is known to be taken (the VF db1 holds, its PF) is not
pp f6 -c "$B" -c "$L" find --class 02 --free --json
[ "$(jq -r --arg h "$B" '[.[] | select(.host == $h) | .address] | join(" ")' "$WORK/f6.out")" = "0000:d8:00.0" ]
ok $? "find --free on a remote host: the NIC no guest holds, not the VF db1 holds nor its PF"
[ "$(jq -r --arg h "$B" '.[] | select(.host == $h) | .unchecked | join(",")' "$WORK/f6.out")" = "host-critical,reset" ]
ok $? "JSON: marked for what could not be checked there"
pp f6t -c "$B" find --class 02 --free
out_has f6t "0000:d8:00.0" && out_has f6t "host-critical, reset: unknown on $B (libvirt's node devices do not say)"
ok $? "text: the row, and under it what is unknown on that host"
out_has f6t "0000:b5:0"; [ $? -ne 0 ]; ok $? "text: what is known to be taken stays out"
pp f6a -c "$B" attach db1 0000:d8:00.0 --dry-run --config
[ "$(rc f6a)" -eq 0 ] && err_has f6a "is unknown on this host"
ok $? "and attach takes what find --free lists there, warning of the same unknowns"
pp f7 -c "$B" -c "$L" find --class 0x123456
[ "$(rc f7)" -eq 0 ]; ok $? "find --class takes 6 hex digits (class, subclass and interface)"
pp f8 -c "$B" -c "$L" find --vendor xyz
[ "$(rc f8)" -eq 2 ] && err_has f8 "hex 0000-ffff"; ok $? "a bad --vendor names the valid range"

# a host that accepts the connection and never answers holds up no other
if command -v python3 > /dev/null; then
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); held = []
while True: held.append(s.accept()[0])' "$WORK/silent.sock" &
    silent=$!
    i=0; while [ ! -S "$WORK/silent.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    chmod 777 "$WORK/silent.sock"
    SLOW="test+unix://$WORK/hostb.xml?socket=$WORK/silent.sock"
    t0=$(date +%s)
    as_session env PCIPASS_FLEET_TIMEOUT=3 "$PCIPASS" -c "$SLOW" -c "$B" list > "$WORK/f12.out" 2> "$WORK/f12.err"
    echo $? > "$WORK/f12.rc"
    t1=$(date +%s)
    [ "$(rc f12)" -eq 1 ] && err_has f12 "$SLOW: unreachable: no answer within 3 s" && out_has f12 "0003:c1:00.0" &&
        [ $((t1 - t0)) -lt 20 ]
    ok $? "a host that never answers is reported after the fleet timeout, the others listed ($((t1 - t0)) s)"
    kill "$silent"
else
    ok 0 "# SKIP no python3 for a silent socket"
fi

# a change goes to the host of its guest
pp f9 -c "$B" -c "$L" -c "$DEAD" attach db1 0003:c1:00.0 --dry-run
[ "$(rc f9)" -eq 0 ] && out_has f9 "bus=\"0xc1\""; ok $? "attach in a fleet: planned on the guest's host"
pp f10 -c "$B" -c "$L" attach nosuch 0003:c1:00.0 --dry-run
[ "$(rc f10)" -eq 1 ] && err_has f10 "no reachable host of the fleet has a guest named 'nosuch'"
ok $? "a guest on no host is refused"
pp f11 -c "$B" -c "$L" history
[ "$(rc f11)" -eq 2 ]; ok $? "a command for one host asks for one -c in a fleet"

# ---- guests of every kind through the daemon, their state and persistence from the listing's
# domain stats and its transient list: libvirt's shared default test host, held open by a
# listener so that a guest created on it outlives the connection that made it ----
D="test+unix:///default?socket=$SOCK"
as_session_bg virsh -q -c "$D" event --all --loop > /dev/null 2>&1
held=$!
for g in tr1:06 sd1:07; do
    cat > "$WORK/${g%:*}.xml" <<EOF
<domain type='test'><name>${g%:*}</name><memory>8192</memory><os><type arch='x86_64'>hvm</type></os>
<devices><hostdev mode='subsystem' type='pci' managed='yes'>
<source><address domain='0x0000' bus='0x${g#*:}' slot='0x00' function='0x0'/></source>
</hostdev></devices></domain>
EOF
    chmod 644 "$WORK/${g%:*}.xml"
done
# until the listener holds the host: before that, a created guest is gone with its connection
_i=0
until as_session virsh -q -c "$D" list --name --transient 2> /dev/null | grep -qx tr1 || [ $_i -ge 50 ]; do
    as_session virsh -q -c "$D" create "$WORK/tr1.xml" > /dev/null 2>&1
    sleep 0.1; _i=$((_i + 1))
done
as_session virsh -q -c "$D" define "$WORK/sd1.xml" > /dev/null
pp k1 -c "$D" guests --json
[ "$(jq -r '[.[] | "\(.name)/\(.state)/\(.persistent)/\(.hostdevs | join(","))"] | join(" ")' "$WORK/k1.out")" = \
  "sd1/shut off/true/0000:07:00.0 test/running/true/ tr1/running/false/0000:06:00.0" ]
ok $? "a shut-off guest, a running one and a transient one: state, persistence and devices"
kill "$held" 2> /dev/null

# local find --free on a fake host whose owners are known
X86=$(fake_root x86-server); chmod -R a+rX "$WORK/roots"
run_cmd g1 -c "test://$top_srcdir/data/demo/guests.xml" --sysfs-root "$X86" find --free --json
run_cmd g2 -c "test://$top_srcdir/data/demo/guests.xml" --sysfs-root "$X86" list --json
[ "$(rc g1)" -eq 0 ] && [ "$(jq length "$WORK/g1.out")" -gt 0 ] &&
    [ "$(jq -r '[.[] | (.owners | length) == 0 and .bridge == false and .iommu_group != null] | all' "$WORK/g1.out")" = true ] &&
    [ "$(jq length "$WORK/g1.out")" -lt "$(jq length "$WORK/g2.out")" ]
ok $? "find --free on this machine: unowned endpoints in a group, fewer than all"

done_testing
