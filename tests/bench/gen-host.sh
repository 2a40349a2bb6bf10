#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the benchmark host: a sysfs description (see tests/lib/mkfakesys.sh) of an SR-IOV server
# with PFS physical functions of 15 virtual functions each (256 x 15: 4096 functions), and a libvirt
# test-driver host file with GUESTS guests holding some of those functions.
#
#   gen-host.sh HW-OUT XML-OUT [PFS [GUESTS]]
#
# Layout: each PF has its own bus (domain 0000 for the first 128, 0001 for the next; buses
# 0x10-0x8f) at BB:00.0 with sriov=64/15; its VFs sit at BB:00.1-00.7 and BB:01.0-01.7 (VF offset 1,
# stride 1), linked by physfn/virtfnN. Every function has its own IOMMU group. PFs run i40e, VFs
# iavf, except the VFs held by guests, which are bound to vfio-pci. Guest N holds VFs 3N..3N+2, the
# first as an <interface type='hostdev'> with a MAC, the others as <hostdev>; every third guest is
# shut off. UUIDs are fixed, so every run sees the same host.
set -eu

hw=$1
xml=$2
pfs=${3:-256}
guests=${4:-200}

awk -v pfs="$pfs" -v guests="$guests" -v hw="$hw" -v xml="$xml" '
function vfaddr(p, v,    f) { f = v + 1; return sprintf("%04x:%02x:%02x.%x", int(p / 128), 16 + p % 128, int(f / 8), f % 8) }
function srcattrs(n, t,    p, f) {
    p = int(n / 15); f = n % 15 + 1
    return sprintf("%sdomain=\x270x%04x\x27 bus=\x270x%02x\x27 slot=\x270x%02x\x27 function=\x270x%x\x27", t,
                   int(p / 128), 16 + p % 128, int(f / 8), f % 8)
}
BEGIN {
    q = "\x27"
    held = guests * 3
    printf "# Benchmark host: %d SR-IOV PFs x 15 VFs, one IOMMU group per function (generated)\n", pfs > hw
    g = 0; n = 0
    for (p = 0; p < pfs; p++) {
        pf = sprintf("%04x:%02x:00.0", int(p / 128), 16 + p % 128)
        printf "fn %s 8086 1572 020000 rev=02 sub=8086:0000 numa=%d group=%d driver=i40e sriov=64/15\n", pf, p % 2, g++ > hw
        for (v = 0; v < 15; v++) {
            drv = n < held ? "vfio-pci" : "iavf"
            printf "fn %s 8086 154c 020000 rev=02 sub=8086:0000 numa=%d group=%d driver=%s physfn=%s\n", vfaddr(p, v), p % 2, g++, drv, pf > hw
            n++
        }
    }
    print "module vfio_pci\nmodule vfio\nmodule vfio_iommu_type1" > hw

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
        for (d = 0; d < 3; d++) {
            n = i * 3 + d
            gaddr = sprintf("        <address type=%spci%s domain=%s0x0000%s bus=%s0x00%s slot=%s0x%02x%s function=%s0x0%s/>", q, q, q, q, q, q, q, d + 7, q, q, q)
            if (d == 0) {
                print "      <interface type=" q "hostdev" q " managed=" q "yes" q ">" > xml
                printf "        <mac address=%s52:54:00:be:%02x:%02x%s/>\n", q, int(i / 256), i % 256, q > xml
                print "        <source><address " srcattrs(n, "type=" q "pci" q " ") "/></source>" > xml
                print gaddr > xml
                print "      </interface>" > xml
            } else {
                print "      <hostdev mode=" q "subsystem" q " type=" q "pci" q " managed=" q "yes" q ">" > xml
                print "        <driver name=" q "vfio" q "/>" > xml
                print "        <source><address " srcattrs(n, "") "/></source>" > xml
                print gaddr > xml
                print "      </hostdev>" > xml
            }
        }
        print "    </devices>\n  </domain>" > xml
    }
    print "</node>" > xml
}'
