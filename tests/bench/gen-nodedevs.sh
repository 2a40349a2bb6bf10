#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the remote benchmark host: the benchmark's test-driver guests (gen-host.sh's XML) with one
# libvirt node device per function of its sysfs description, as a test-driver host file that an
# unprivileged libvirtd serves over its socket.
#
#   gen-nodedevs.sh HW XML OUT
set -eu
hw=$1 xml=$2 out=$3
{
    sed -n '1,/<memory>/p' "$xml"
    echo "  <device><name>computer</name><capability type='system'><hardware><vendor>pcipass</vendor><uuid>6f0a6a6c-1d1e-4b8a-9e0a-0000000000ff</uuid></hardware></capability></device>"
    awk -v q="'" '
    function hex(s,    i, v) { v = 0; s = tolower(s); for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
    function parts(a, out) { split(a, t, /[:.]/); out["d"] = t[1]; out["b"] = t[2]; out["s"] = t[3]; out["f"] = t[4] }
    function attrs(a,    p) { parts(a, p); return sprintf("domain=%s0x%s%s bus=%s0x%s%s slot=%s0x%s%s function=%s0x%s%s", q, p["d"], q, q, p["b"], q, q, p["s"], q, q, p["f"], q) }
    $1 == "fn" {
        a = $2; parts(a, p); numa = ""; group = ""; drv = ""; physfn = ""; sriov = ""
        for (i = 6; i <= NF; i++) {
            split($i, kv, "=")
            if (kv[1] == "numa") numa = kv[2]
            else if (kv[1] == "group") group = kv[2]
            else if (kv[1] == "driver") drv = kv[2]
            else if (kv[1] == "physfn") physfn = kv[2]
            else if (kv[1] == "sriov") sriov = kv[2]
        }
        name = sprintf("pci_%s_%s_%s_%s", p["d"], p["b"], p["s"], p["f"])
        printf "  <device><name>%s</name><parent>computer</parent>", name
        if (drv != "") printf "<driver><name>%s</name></driver>", drv
        printf "<capability type=%spci%s><class>0x%s</class><domain>%d</domain><bus>%d</bus><slot>%d</slot><function>%d</function>", q, q, $5, hex(p["d"]), hex(p["b"]), hex(p["s"]), hex(p["f"])
        printf "<product id=%s0x%s%s/><vendor id=%s0x%s%s/>", q, $4, q, q, $3, q
        if (physfn != "") printf "<capability type=%sphys_function%s><address %s/></capability>", q, q, attrs(physfn)
        if (sriov != "") { split(sriov, sv, "/"); printf "<capability type=%svirt_functions%s maxCount=%s%s%s/>", q, q, q, sv[1], q }
        if (group != "") printf "<iommuGroup number=%s%s%s><address %s/></iommuGroup>", q, group, q, attrs(a)
        if (numa != "") printf "<numa node=%s%s%s/>", q, numa, q
        print "</capability></device>"
    }' "$hw"
    sed -n '/<memory>/,$p' "$xml" | sed 1d
} > "$out"
