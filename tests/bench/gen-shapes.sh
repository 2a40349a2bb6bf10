#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes one benchmark host of a given shape, drawn from a seed: a sysfs description for
# tests/lib/mkfakesys.sh and a libvirt test-driver host file whose guests hold some of its
# functions.
#
#   gen-shapes.sh SHAPE SEED HW-OUT XML-OUT [FUNCTIONS [GUESTS]]
#
# SHAPE is one of
#   wide  SR-IOV PFs of 31 to 127 VFs each (ice/iavf or mlx5_core), a bus per PF, domains 0000 on;
#         every function its own IOMMU group, the VFs linked to their PF (physfn/virtfnN)
#   deep  trees of bridges four levels down: a root port, a switch's upstream port, its 8
#         downstream ports, and behind half of those a PCIe-to-PCI bridge with 8 to 48 conventional
#         functions that share the bridge's IOMMU group (the kernel cannot tell them apart);
#         behind the other ports a 4-function PCIe endpoint, each function its own group
#   s390  an IBM Z LPAR: every function its own PCI domain, with the zPCI attributes (function_id,
#         uid, uid_is_unique, pchid) and no NUMA node; mlx5 VFs, ISM and NVMe functions
# Every function has what a current kernel shows: vendor to config, reset_method (or no reset),
# driver_override, numa_node, the driver link and the driver's module link, sriov_* on a PF, and
# vfio-dev/vfioN on a function bound to vfio-pci (which the guests' functions are). FUNCTIONS
# (4096) is the number of functions written, GUESTS (200) guests hold 3 functions each; every third
# guest is shut off. The same SHAPE, SEED and sizes always give the same host.
set -eu

shape=$1
seed=$2
hw=$3
xml=$4
nfn=${5:-4096}
guests=${6:-200}

case $shape in wide|deep|s390) ;; *) echo "gen-shapes: unknown shape '$shape'" >&2; exit 2 ;; esac

awk -v shape="$shape" -v seed="$seed" -v nfn="$nfn" -v guests="$guests" -v hw="$hw" -v xml="$xml" '
function rnd(lo, hi) { return lo + int(rand() * (hi - lo + 1)) }
function addr(d, b, s, f) { return sprintf("%04x:%02x:%02x.%x", d, b, s, f) }
# one function line; DRV "" for none. Functions the guests will hold are remembered in held[].
function fn(a, ven, dev, cls, extra, drv, grp, numa, hold,    line) {
    if (n >= nfn)
        return 0
    if (hold && nheld < guests * 3) {
        held[nheld++] = a
        drv = "vfio-pci"
        extra = extra " vfio_dev=" nvfio++
    }
    line = sprintf("fn %s %s %s %s rev=%02x sub=%s:%04x numa=%d group=%d", a, ven, dev, cls,
                   rnd(0, 3), ven, rnd(0, 65535), numa, grp)
    if (drv != "") {
        line = line " driver=" drv
        used[drv] = 1
    }
    print line extra > hw
    n++
    return 1
}
function bridge(a, parent, grp,    extra) {
    extra = parent == "" ? "" : " parent=" parent
    return fn(a, "8086", "2030", "060400", extra " reset=absent", "pcieport", grp, 0, 0)
}
function wide(    d, b, p, v, nv, pf, ven, pfdev, vfdev, pfdrv, vfdrv, f, numa) {
    d = 0; b = 16
    for (p = 0; n < nfn; p++) {
        if (b > 255) { d++; b = 16 }
        nv = rnd(31, 127)
        numa = p % 2
        if (rand() < 0.5) { ven = "8086"; pfdev = "1593"; vfdev = "1889"; pfdrv = "ice"; vfdrv = "iavf" }
        else { ven = "15b3"; pfdev = "101d"; vfdev = "101e"; pfdrv = "mlx5_core"; vfdrv = "mlx5_core" }
        pf = addr(d, b, 0, 0)
        fn(pf, ven, pfdev, "020000", sprintf(" sriov=%d/%d reset=flr,bus", 128, nv), pfdrv, g++, numa, 0)
        for (v = 0; v < nv && n < nfn; v++) {
            f = v + 1
            fn(addr(d, b, int(f / 8), f % 8), ven, vfdev, "020000", " physfn=" pf, vfdrv, g++, numa,
               v % 4 == 0)
        }
        b++
    }
}
function deep(    d, rp, b, up, dn, j, k, e, br, ep, grp, ne, numa, t) {
    d = 0; b = 1; rp = 8
    for (t = 0; n < nfn; t++) {
        # a tree needs 2 + 8 + 4 buses
        if (b + 14 > 255 || rp >= 256) { d++; b = 1; rp = 8 }
        numa = t % 2
        root = addr(d, 0, int(rp / 8), rp % 8); rp++
        bridge(root, "", g++)
        up = addr(d, b, 0, 0)
        bridge(up, root, g++)
        b++
        for (j = 0; j < 8 && n < nfn; j++) {
            dn = addr(d, b, j, 0)
            bridge(dn, up, g++)
        }
        sec = b + 1
        for (j = 0; j < 8 && n < nfn; j++) {
            dn = addr(d, b, j, 0)
            if (j % 2 == 0) {
                # a PCIe-to-PCI bridge: it and everything behind it are one IOMMU group
                br = addr(d, sec, 0, 0)
                grp = g++
                bridge(br, dn, grp)
                ne = rnd(8, 48)
                for (e = 0; e < ne && n < nfn; e++)
                    fn(addr(d, sec + 1, int(e / 4), e % 4), "8086", "1229", "020000",
                       " parent=" br " reset=pm", "e100", grp, numa, e % 2 == 0)
                sec += 2
            } else {
                # a 4-function PCIe endpoint behind its own port, each function its own group
                for (k = 0; k < 4 && n < nfn; k++)
                    fn(addr(d, sec, 0, k), "144d", "a808", "010802", " parent=" dn, "nvme", g++,
                       numa, k >= 2)
                sec++
            }
        }
        b = sec
    }
}
function s390(    i, kind, card, fid) {
    for (i = 0; n < nfn; i++) {
        kind = rand(); card = rnd(0, 15); fid = 256 + i
        # every function its own domain: the LPAR numbers them by UID
        if (kind < 0.7)
            fn(addr(i + 1, 0, 0, 0), "15b3", "101e", "020000",
               sprintf(" fid=0x%x uid=0x%x uid_unique=1 pchid=0x%x", fid, i + 1, 256 + card * 4),
               "mlx5_core", g++, -1, i % 3 == 0)
        else if (kind < 0.85)
            fn(addr(i + 1, 0, 0, 0), "1014", "04ed", "078000",
               sprintf(" fid=0x%x uid=0x%x uid_unique=1 pchid=0x%x reset=none", fid, i + 1, 512 + card),
               "ism", g++, -1, 0)
        else
            fn(addr(i + 1, 0, 0, 0), "144d", "a824", "010802",
               sprintf(" fid=0x%x uid=0x%x uid_unique=1 pchid=0x%x", fid, i + 1, 768 + card),
               "nvme", g++, -1, i % 3 == 0)
    }
}
BEGIN {
    srand(seed)
    q = "\x27"; n = 0; g = 0; nheld = 0; nvfio = 0
    printf "# Benchmark host, shape %s, seed %d: %d functions (generated)\n", shape, seed, nfn > hw
    if (shape == "wide") wide(); else if (shape == "deep") deep(); else s390()
    # the modules and each driver its module link, as a current kernel shows them
    print "module vfio\nmodule vfio_iommu_type1\nholder vfio_pci_core vfio_pci" > hw
    split("vfio-pci=vfio_pci ice=ice iavf=iavf mlx5_core=mlx5_core pcieport=builtin e100=e100 nvme=nvme ism=ism", m, " ")
    for (i in m) {
        split(m[i], kv, "=")
        if (kv[1] in used && kv[2] != "builtin")
            print "drivermod " kv[1] " " kv[2] > hw
    }
    if (nheld < guests * 3) {
        printf "gen-shapes: only %d functions for %d guests\n", nheld, guests > "/dev/stderr"
        exit 1
    }

    print "<?xml version=" q "1.0" q "?>" > xml
    print "<!-- Benchmark guests for libvirt" q "s test driver (generated) -->" > xml
    print "<node xmlns:test=" q "http://libvirt.org/schemas/domain/test/1.0" q ">" > xml
    print "  <cpu><mhz>2400</mhz><model>x86_64</model></cpu>" > xml
    print "  <memory>1073741824</memory>" > xml
    for (i = 0; i < guests; i++) {
        print "  <domain type=" q "test" q ">" > xml
        printf "    <name>guest%03d</name>\n", i > xml
        printf "    <uuid>6f0a6a6c-1d1e-4b8a-9e0a-%012x</uuid>\n", 12451840 + i > xml
        if (i % 3 == 2)
            print "    <test:runstate>5</test:runstate>" > xml
        print "    <memory unit=" q "GiB" q ">4</memory>\n    <vcpu>2</vcpu>" > xml
        print "    <os><type arch=" q "x86_64" q " machine=" q "pc-q35-7.2" q ">hvm</type></os>" > xml
        print "    <devices>" > xml
        for (k = 0; k < 3; k++) {
            split(held[i * 3 + k], p, "[:.]")
            src = sprintf("domain=%s0x%s%s bus=%s0x%s%s slot=%s0x%s%s function=%s0x%s%s", q, p[1], q, q, p[2], q, q, p[3], q, q, p[4], q)
            print "      <hostdev mode=" q "subsystem" q " type=" q "pci" q " managed=" q "yes" q ">" > xml
            print "        <driver name=" q "vfio" q "/>" > xml
            print "        <source><address " src "/></source>" > xml
            printf "        <address type=%spci%s domain=%s0x0000%s bus=%s0x00%s slot=%s0x%02x%s function=%s0x0%s/>\n", q, q, q, q, q, q, q, k + 7, q, q, q > xml
            print "      </hostdev>" > xml
        }
        print "    </devices>\n  </domain>" > xml
    }
    print "</node>" > xml
}'
