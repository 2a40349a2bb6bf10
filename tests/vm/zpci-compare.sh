# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/vm/s390x.sh and tests/vm/s390x-snapshot.sh: pcipass's inventory of a tree laid
# out from a real s390x kernel's sysfs against the files and links of that tree.
# zpci_compare ROOT NFUNCTIONS
zpci_compare() {
    _root=$1
    run_cmd zlist --sysfs-root "$_root" -c test:///default list --json
    ok "$(rc zlist)" "list --json on the kernel's tree"
    [ "$(rc zlist)" -eq 0 ] || diag < "$WORK/zlist.err"
    [ "$(jq length "$WORK/zlist.out")" -eq "$2" ]
    ok $? "it has the $2 functions the kernel has"
    # what the kernel wrote, one line per function: address fid uid uid_is_unique pchid group driver vendor device
    for _p in "$_root"/bus/pci/devices/*; do
        _a=${_p##*/}
        _r() { if [ -f "$_p/$1" ]; then read -r _v < "$_p/$1"; echo "$_v"; else echo -; fi; }
        _k() { if [ -L "$_p/$1" ]; then _v=$(readlink "$_p/$1"); echo "${_v##*/}"; else echo -; fi; }
        echo "$_a $(_r function_id) $(_r uid) $(_r uid_is_unique) $(_r pchid) $(_k iommu_group) $(_k driver) $(_r vendor) $(_r device)"
    done > "$WORK/kernel.tbl"
    jq -r '.[] | "\(.address) \(.zpci.fid // "-") \(.zpci.uid // "-") \(.zpci.uid_is_unique // "-") \(.zpci.pchid // "-") \(.iommu_group // "-") \(.driver // "-") \(.vendor_id) \(.device_id)"' \
        "$WORK/zlist.out" > "$WORK/pcipass.tbl"
    # numbers compared as numbers (the kernel writes uid as 0x1, pcipass as 0x0001), the rest as text
    awk 'function num(s,   v, i) {
             if (s !~ /^0x[0-9a-fA-F]+$/) return s
             v = 0; for (i = 3; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
             return v "" }
         FILENAME == ARGV[1] { k[$1] = $0; next }
         { if (!($1 in k)) { print $1 ": not in the kernel tree"; bad++; next }
           split(k[$1], w, " "); split("address fid uid uid_is_unique pchid iommu_group driver vendor device", n, " ")
           for (i = 2; i <= 9; i++) {
               a = $i; b = w[i]
               if (i == 4) b = (b == "1") ? "true" : (b == "0") ? "false" : b
               if (num(a) != num(b)) { print $1 " " n[i] ": pcipass " a ", kernel " b; bad++ }
           }
           seen++ }
         END { print "compared " seen " functions"; exit bad > 0 }' "$WORK/kernel.tbl" "$WORK/pcipass.tbl" > "$WORK/zcmp" 2>&1
    _bad=$?
    ok $_bad "fid, uid, uid_is_unique, pchid, IOMMU group, driver and ids are the kernel's ($(tail -n 1 "$WORK/zcmp"))"
    [ $_bad -eq 0 ] || { diag < "$WORK/zcmp"; diag < "$WORK/kernel.tbl"; }
    # the slots: bus/pci/slots/<fid as 8 hex digits>/address names each function's domain:bus:slot
    _sb=0
    for _s in "$_root"/bus/pci/slots/*; do
        read -r _ad < "$_s/address"
        _fid=$(jq -r ".[] | select(.address | startswith(\"$_ad.\")) | .zpci.fid" "$WORK/zlist.out")
        [ -n "$_fid" ] && [ $((_fid)) -eq $((0x${_s##*/})) ] || { echo "slot ${_s##*/} ($_ad): pcipass fid '$_fid'"; _sb=1; }
    done > "$WORK/slots"
    ok $_sb "each slot's fid (its directory name) is the fid pcipass gives the function at its address"
    [ $_sb -eq 0 ] || diag < "$WORK/slots"
}
