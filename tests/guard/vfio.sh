#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The one rule for "bound to VFIO" on fake hosts laid out as the kernel lays them out: VFIO
# variant drivers (mlx5_vfio_pci, pds_vfio_pci, nvgrace_gpu_vfio_pci) held by vfio_pci_core, a
# kernel before vfio-dev, a vfio_pci_core built in. Every face judges them alike: list, the
# group guard, check, find --free, audit, and the outcome of an interrupted prepare.
. "$srcdir/tests/lib/common.sh"

V=$(fake_root vfio)
URI="test://$top_srcdir/tests/data/vfio-guests.xml"
pp() { _n=$1; shift; run_cmd "$_n" -c "$URI" --sysfs-root "$V" --proc-root "$V-proc" --dev-root "$V-dev" --conf-root "$V-conf" "$@"; }
# vfio_of NAME ADDRESS: "driver vfio rule" of ADDRESS in NAME's list --json
vfio_of() { jq -r --arg a "$2" '.[] | select(.address == $a) | "\(.driver) \(.vfio) \(.vfio_rule)"' "$WORK/$1.out"; }

# --- the rule, in the inventory ---
pp ls list --json
ok "$(rc ls)" "list on a host with VFIO variant drivers"
[ "$(vfio_of ls 0000:41:00.1)" = "mlx5_vfio_pci true vfio_pci_core-holder" ]; ok $? "a ConnectX-7 VF on mlx5_vfio_pci is on VFIO (vfio_pci_core holds its module)"
[ "$(vfio_of ls 0000:43:00.1)" = "pds_vfio_pci true vfio_pci_core-holder" ]; ok $? "pds_vfio_pci is a VFIO driver"
[ "$(vfio_of ls 0009:01:00.0)" = "nvgrace_gpu_vfio_pci true vfio_pci_core-holder" ]; ok $? "nvgrace_gpu_vfio_pci is a VFIO driver"
[ "$(vfio_of ls 0000:43:00.0)" = "vfio-pci true vfio-pci" ]; ok $? "vfio-pci is one"
[ "$(vfio_of ls 0000:41:00.0)" = "mlx5_core false not-held" ]; ok $? "the PF's mlx5_core is not: vfio_pci_core does not hold it"
[ "$(vfio_of ls 0000:00:00.0)" = "null false no-driver" ]; ok $? "no driver: not on VFIO"

# --- the group guard (the refusal of the issue) ---
pp a1 attach vm 0000:43:00.0 --config --dry-run
[ "$(rc a1)" = 0 ] && ! grep -q partner "$WORK/a1.err"
ok $? "attach: a partner on pds_vfio_pci keeps IOMMU group 30 viable" || diag < "$WORK/a1.err"
pp a2 attach vm 0000:44:00.1 --config --dry-run
[ "$(rc a2)" = 1 ] && err_has a2 "IOMMU group 31 partner 0000:44:00.0 is bound to host driver ionic; the group is not viable until it is bound to a VFIO driver"
ok $? "a partner on a host driver still makes the group not viable"
pp a3 attach vm 0000:41:00.1 --config --dry-run
ok "$(rc a3)" "a VF on mlx5_vfio_pci attaches"

# --- check ---
pp c1 check --json 0000:43:00.0 0000:43:00.1
[ "$(jq -r '[.[] | select(.check == "device") | .status] | join(",")' "$WORK/c1.out")" = pass,pass ]
ok $? "check: both functions of group 30 are ready" || diag < "$WORK/c1.out"
jq -r '.[] | select(.check == "vfio") | .message' "$WORK/c1.out" | grep -qF "0000:43:00.1 is on pds_vfio_pci, a VFIO driver: its module pds_vfio_pci is held by vfio_pci_core"
ok $? "check says why pds_vfio_pci is a VFIO driver"
pp c2 check --json 0000:41:00.0
jq -r '.[] | select(.check == "vfio") | "\(.status) \(.message)"' "$WORK/c2.out" | grep -qF "pass 0000:41:00.0 is on mlx5_core, not a VFIO driver: its module mlx5_core is not held by vfio_pci_core"
ok $? "and why mlx5_core is not"

# --- the variant drivers the kernel offers (modules.alias, as libvirt reads it) ---
pp c3 check --json 0000:41:00.2 0000:41:00.0
jq -r '.[] | select(.check == "variant") | .message' "$WORK/c3.out" > "$WORK/c3.v"
[ "$(cat "$WORK/c3.v")" = "the kernel offers VFIO variant driver mlx5_vfio_pci for 0000:41:00.2 (live migration of the guest with its VF); prepare --driver or --driver-model choose it" ]
ok $? "check: the kernel offers mlx5_vfio_pci for the VF, and why one would pick it; nothing for the PF" || diag < "$WORK/c3.out"

# --- IBM Z ISM: its own VFIO driver where the kernel has one ---
Z=$(fake_root vfio-ism)
run_cmd z1 -c "$URI" --sysfs-root "$Z" --proc-root "$Z-proc" --conf-root "$Z-conf" prepare 0000:00:00.0 --dry-run
[ "$(rc z1)" = 1 ] && err_has z1 "binding to the VFIO variant driver ism_vfio_pci (prepare --driver) needs libvirt 10.0.0 or later" &&
    ! grep -q 'vfio-pci' "$WORK/z1.out" "$WORK/z1.err"
ok $? "prepare of an ISM function: ism_vfio_pci, never plain vfio-pci (refused here for libvirt's version)" || diag < "$WORK/z1.err"
run_cmd z2 -c "$URI" --sysfs-root "$Z" --proc-root "$Z-proc" --conf-root "$Z-conf" prepare 0001:00:00.0 --dry-run
[ "$(rc z2)" = 0 ] && out_has z2 "# dry run: would bind 0001:00:00.0 to vfio-pci"
ok $? "another function of that host still goes to vfio-pci"

# --- find --free ---
pp f1 find --free --json
jq -r '.[].address' "$WORK/f1.out" > "$WORK/f1.list"
grep -qx 0000:43:00.0 "$WORK/f1.list" && grep -qx 0000:43:00.1 "$WORK/f1.list" && ! grep -qx 0000:44:00.1 "$WORK/f1.list"
ok $? "find --free: group 30 is free, group 31 (a partner on ionic) is not" || diag < "$WORK/f1.out"

# --- audit: managed='no' on a running guest ---
pp au audit --json
[ -z "$(jq -c '.findings[] | select(.kind == "unmanaged" and .address == "0000:41:00.2")' "$WORK/au.out")" ]
ok $? "audit: managed='no' on mlx5_vfio_pci is no finding"
jq -r '.findings[] | select(.kind == "unmanaged" and .address == "0000:45:00.0") | .message' "$WORK/au.out" |
    grep -qF "is not on a VFIO driver: 0000:45:00.0 is on igb, not a VFIO driver"
ok $? "managed='no' on igb is, with the reason" || diag < "$WORK/au.out"

# --- an interrupted prepare, resolved from what the kernel shows ---
crc() { gzip -c | tail -c8 | head -c4 | od -An -tx4 | tr -d ' \n'; }
frame() { printf '#pcipass-journal v2 %s %s\n%s\n' "$(printf '%s' "$1" | wc -c)" "$(printf '%s' "$1" | crc)" "$1"; }
rec="{\"id\":\"p1\",\"time\":\"2026-12-01T00:00:00Z\",\"uri\":\"$URI\",\"phase\":\"intent\",\"action\":\"prepare\",\"devices\":\"0000:41:00.1\",\"flags\":\"\",\"elements\":[{\"kind\":\"hostdev\",\"source\":\"0000:41:00.1\",\"managed\":\"no\"}]}"
frame "$rec" > "$PCIPASS_JOURNAL"
pp u1 undo
pp u1h history --json
[ "$(jq -r '.[0].state' "$WORK/u1h.out")" = done ]
ok $? "a prepare cut short, the function now on mlx5_vfio_pci: recorded as done" || { diag < "$WORK/u1.err"; diag < "$WORK/u1h.out"; }

# --- a kernel before vfio-dev (5.19): vfio_pci_core's holders decide ---
O=$(fake_root vfio-old)
run_cmd o1 -c "$URI" --sysfs-root "$O" list --json
[ "$(vfio_of o1 0000:41:00.1)" = "mlx5_vfio_pci true vfio_pci_core-holder" ] &&
    [ "$(vfio_of o1 0000:42:00.0)" = "e1000e false built-in" ]
ok $? "5.19: mlx5_vfio_pci by the holders; a built-in e1000e is no VFIO driver" || diag < "$WORK/o1.out"

# --- vfio_pci_core built in: no holders; vfio-dev tells, the rest is unknown ---
B=$(fake_root vfio-builtin)
run_cmd b1 -c "$URI" --sysfs-root "$B" list --json
[ "$(vfio_of b1 0000:41:00.1)" = "mlx5_vfio_pci true vfio-dev" ] &&
    [ "$(vfio_of b1 0000:42:00.0)" = "mlx5_core null vfio_pci_core-built-in" ]
ok $? "built-in vfio_pci_core: the VFIO device tells, another driver is unknown (null)" || diag < "$WORK/b1.out"
run_cmd b2 -c "$URI" --sysfs-root "$B" attach vm 0000:41:00.1 --config --dry-run
[ "$(rc b2)" = 1 ] && err_has b2 "IOMMU group 21 partner 0000:42:00.0: 0000:42:00.0 is on mlx5_core; whether that is a VFIO driver is unknown"
ok $? "a partner whose driver is unknown is no viable group: said, not passed"
run_cmd b3 -c "$URI" --sysfs-root "$B" attach vm 0000:41:00.1 --config --dry-run --force
ok "$(rc b3)" "--force passes it"
run_cmd b4 -c "$URI" --sysfs-root "$B" check --json 0000:42:00.0
[ "$(jq -r '.[] | select(.check == "vfio") | .status' "$WORK/b4.out")" = warn ]; ok $? "check warns where it cannot tell"

done_testing
