#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guests, owners and apply/detach against libvirt's own test driver (test:///FILE), with a host file
# this test writes: running and shut-off guests of both architectures.
. "$srcdir/tests/lib/common.sh"

X86=$(fake_root x86-server)
S390=$(fake_root s390-zpci)
URI="test://$top_srcdir/data/demo/guests.xml"
pp() { run_cmd "$@"; }
jqo() { jq -r "$2" "$WORK/$1.out"; }

# --- guests ---
pp guests -c "$URI" guests --json
ok "$(rc guests)" "guests --json exits 0"
[ "$(jqo guests '[.[].name] | join(" ")')" = "build ml-train router web01 zlinux1 zlinux2" ]
ok $? "every guest, active and inactive, sorted by name"
[ "$(jqo guests '.[] | select(.name=="zlinux1") | [.state,.arch,.machine,.persistent,(.hostdevs|join(","))] | @tsv')" = \
  "$(printf 'running\ts390x\ts390-ccw-virtio\ttrue\t0001:00:00.0')" ]
ok $? "a running s390x guest: state, arch, machine, its hostdev"
[ "$(jqo guests '.[] | select(.name=="ml-train") | [.state,.uuid] | @tsv')" = \
  "$(printf 'shut off\t6f0a6a6c-1d1e-4b8a-9e0a-000000000003')" ]
ok $? "a shut-off guest with its uuid"
[ "$(jqo guests '.[0] | keys_unsorted | join(",")')" = "name,uuid,state,persistent,arch,machine,hostdevs" ]
ok $? "guest objects have the documented keys"

# --- owners ---
pp owners -c "$URI" owners --json
ok "$(rc owners)" "owners --json exits 0"
[ "$(jqo owners '.[] | select(.address=="0000:17:02.1") | [.conflict, (.owners|map("\(.guest):\(.live):\(.config)")|join(","))] | @tsv')" = \
  "$(printf 'true\tbuild:false:true,web01:true:true')" ]
ok $? "a function in a running guest and a shut-off guest's config is a conflict"
[ "$(jqo owners '.[] | select(.address=="0000:17:02.2") | .owners[0] | [.type,.mac,.guest_address,.managed] | @tsv')" = \
  "$(printf 'interface\t52:54:00:6d:90:02\t0000:00:08.0\ttrue')" ]
ok $? "an <interface type=hostdev> counts, with MAC and guest address"
[ "$(jqo owners '.[] | select(.address=="0001:00:00.0") | .owners[0].zpci | "\(.uid) \(.fid)"')" = "0x0001 0x00000000" ]
ok $? "zPCI ids of an owner"
[ "$(jqo owners '.[] | select(.address=="0000:65:00.0") | .conflict')" = false ]
ok $? "one guest is no conflict"

pp list -c "$URI" --sysfs-root "$X86" list --json
[ "$(jqo list '.[] | select(.address=="0000:17:02.1") | .owners | map(.guest) | join(",")')" = "build,web01" ]
ok $? "list fills owners"
[ "$(jqo list '[.[] | select(.owners|length>0) | .address] | join(" ")')" = "0000:17:02.1 0000:17:02.2 0000:65:00.0" ]
ok $? "list: exactly the held x86 functions have owners"
pp listtxt -c "$URI" --sysfs-root "$X86" list
out_has listtxt "build[C],web01[LC] CONFLICT"; ok $? "list text marks live/config and the conflict"

pp nolibvirt -c "test:///$WORK/nonexistent.xml" --sysfs-root "$X86" list --json
ok "$(rc nolibvirt)" "list without a reachable libvirt still lists"
err_has nolibvirt "warning: owners not shown: cannot connect to libvirt"; ok $? "and warns with libvirt's reason"

# --- xml: the seed documentation's example, byte for byte ---
pp seed xml 0002:00:00.0 --managed yes --zpci-uid 0x0001 --zpci-fid 0x00000000
cat > "$WORK/seed.want" <<'XML'
<hostdev mode="subsystem" type="pci" managed="yes">
  <driver name="vfio"/>
  <source>
    <address domain="0x0002" bus="0x00" slot="0x00" function="0x0"/>
  </source>
  <address type="pci">
    <zpci uid="0x0001" fid="0x00000000"/>
  </address>
</hostdev>
XML
diff -u "$WORK/seed.want" "$WORK/seed.out" | diag
cmp -s "$WORK/seed.want" "$WORK/seed.out"; ok $? "pcipass xml prints the seed's zPCI example"
pp dec xml 2:0:0.0 --zpci-uid 17 --zpci-fid 4096
out_has dec '<zpci uid="0x0011" fid="0x00001000"/>'; ok $? "decimal numbers come out in libvirt's hex"

# --- refusals, each naming the field and the range, exit 1, nothing printed on stdout ---
refuse() { # NAME EXPECTED-MESSAGE ARGS...
    _n=$1 _m=$2; shift 2
    pp "$_n" "$@"
    [ "$(rc "$_n")" = 1 ] && [ ! -s "$WORK/$_n.out" ] && err_has "$_n" "$_m"
    ok $? "refused: $* -> $_m"
}
refuse uid0 "zpci uid: '0x0000' is out of range; valid range 0x0001-0xffff (IBM's documentation lists 0x0000 as valid too, but libvirt refuses uid 0)" \
    xml 0002:00:00.0 --zpci-uid 0x0000
refuse uidbig "zpci uid: '0x10000' is out of range; valid range 0x0001-0xffff" xml 0002:00:00.0 --zpci-uid 0x10000
refuse fidbig "zpci fid: '0x100000000' is out of range; valid range 0x00000000-0xffffffff" xml 0002:00:00.0 --zpci-fid 0x100000000
refuse fidneg "zpci fid: '-1' is not a number" xml 0002:00:00.0 --zpci-fid -1
refuse badaddr "device: invalid PCI address '0000:17:02'" xml 0000:17:02
refuse badslot "device: invalid PCI address '0000:17:20.0': slot must be 0x00-0x1f" xml 0000:17:20.0
refuse badgaddr "guest-address: invalid PCI address 'zz'" xml 0002:00:00.0 --guest-address zz
refuse badmac "mac: '52:54:00:12:34' is not a MAC address" xml 17:02.3 --interface --mac 52:54:00:12:34
refuse mcast "mac: '01:00:5e:00:00:01' is a multicast address" xml 17:02.3 --interface --mac 01:00:5e:00:00:01
refuse managed "managed: 'maybe' is not valid; use yes or no" xml 17:02.3 --managed maybe
refuse dupuid "zpci uid: 0x0001 is already used in guest 'zlinux1'" -c "$URI" xml 0002:00:00.0 --guest zlinux1 --zpci-uid 1
refuse dupfid "zpci fid: 0x00000000 is already used in guest 'zlinux1'" -c "$URI" xml 0002:00:00.0 --guest zlinux1 --zpci-fid 0
refuse zx86 "zpci: guest 'web01' is x86_64; zPCI uid/fid exist for s390x guests only" -c "$URI" xml 0002:00:00.0 --guest web01 --zpci-uid 5
refuse twice "0000:17:02.1 is already assigned to guest 'web01'" -c "$URI" --sysfs-root "$X86" attach web01 0000:17:02.1
refuse noguest "guest: no guest named 'nosuch'" -c "$URI" --sysfs-root "$X86" attach nosuch 0000:17:02.3
refuse liveoff "--live: guest 'ml-train' is shut off; a live change needs a running guest" -c "$URI" --sysfs-root "$X86" attach ml-train 0000:17:02.3 --live
refuse nohost "device: 0000:42:00.0 is not a PCI function of this host" -c "$URI" --sysfs-root "$X86" attach ml-train 0000:42:00.0
refuse nodetach "0000:17:02.3 is not in the persistent configuration of guest 'ml-train'" -c "$URI" --sysfs-root "$X86" detach ml-train 0000:17:02.3
pp usage -c "$URI" attach ml-train
[ "$(rc usage)" = 2 ]; ok $? "attach without DEVICE is a usage error (2)"

# --- apply on the test driver: no device API there, so the persistent change is a redefinition ---
pp att -c "$URI" --sysfs-root "$S390" attach zlinux2 0002:00:00.0 --zpci-uid 0x0001 --zpci-fid 0x00000000
ok "$(rc att)" "attach to a shut-off s390x guest exits 0"
out_has att "# attached 0002:00:00.0 to the persistent configuration of guest 'zlinux2'; libvirt stored:"
ok $? "and says where it went"
sed 1d "$WORK/att.out" > "$WORK/att.xml"
cmp -s "$WORK/seed.want" "$WORK/att.xml"; ok $? "the stored element is what was previewed (the test driver fills nothing)"
diff -u "$WORK/seed.want" "$WORK/att.xml" | diag

pp attj -c "$URI" --sysfs-root "$X86" attach ml-train 0000:17:02.3 --interface --mac 52:54:00:00:00:10 --json
[ "$(jqo attj '[.action,.guest,.live,.config,.dry_run] | @tsv')" = "$(printf 'attach\tml-train\tfalse\ttrue\tfalse')" ]
ok $? "attach --json reports config only for a shut-off guest"
jqo attj .xml | grep -q '<mac address="52:54:00:00:00:10"/>'; ok $? "interface form stored with its MAC"

# the test driver has no live device attach: known from the driver before anything is sent
pp live -c "$URI" --sysfs-root "$X86" attach web01 0000:17:02.3 --live
[ "$(rc live)" = 1 ] && err_has live "--live: this connection's driver (libvirt's test driver) cannot change the devices of a running guest such as 'web01'; use --config"
ok $? "--live where the driver has no live device change: refused in words"
! grep -q "not supported" "$WORK/live.err"; ok $? "and not with libvirt's raw 'not supported'"
pp def -c "$URI" --sysfs-root "$X86" attach web01 0000:17:02.3
ok "$(rc def)" "the default on a running guest there: exits 0"
err_has def "libvirt's test driver has no live change: persistent only, from next start"
ok $? "and says in one line why it went to the persistent configuration only"
out_has def "# attached 0000:17:02.3 to the persistent configuration of guest 'web01'; libvirt stored:"
ok $? "read back from the persistent configuration"

pp dry -c "$URI" --sysfs-root "$X86" attach web01 0000:17:02.3 --dry-run
ok "$(rc dry)" "dry run exits 0"
out_has dry "# dry run: would attach to the persistent configuration of guest 'web01':"
ok $? "dry run on a running guest there: persistent only by default"

pp det -c "$URI" --sysfs-root "$S390" detach zlinux1 0001:00:00.0 --config
ok "$(rc det)" "detach from the persistent configuration"
out_has det '<zpci uid="0x0001" fid="0x00000000"/>'; ok $? "detach shows what was removed"
pp detlive -c "$URI" --sysfs-root "$S390" detach zlinux1 0001:00:00.0 --live
[ "$(rc detlive)" = 1 ] && err_has detlive "--live: this connection's driver (libvirt's test driver) cannot change the devices of a running guest such as 'zlinux1'"
ok $? "a live detach where the driver has none: refused in words before anything is sent"
pp detdef -c "$URI" --sysfs-root "$S390" detach zlinux1 0001:00:00.0
ok "$(rc detdef)" "a detach from a running guest there: the persistent configuration by default"
out_has detdef "# detached 0001:00:00.0 from the persistent configuration of guest 'zlinux1'"
ok $? "and says so"

done_testing
