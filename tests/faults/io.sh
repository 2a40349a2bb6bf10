#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Output that cannot be written (/dev/full, a file size limit standing in for a full disk) is a
# failure, never a cut answer with status 0; a FIFO where sysfs has an attribute file never hangs
# a command; history and undo read a large journal in memory that does not grow with it.
. "$srcdir/tests/lib/common.sh"

X86=$(fake_root x86-server)
URI="test://$top_srcdir/data/demo/guests.xml"

# ---- 6: stdout errors and the final close ----
"$PCIPASS" -c "$URI" --sysfs-root "$X86" list --json > /dev/full 2> "$WORK/full.err"
echo $? > "$WORK/full.rc"
[ "$(rc full)" = 1 ] && err_has full "cannot write the output: No space left on device"
ok $? "list --json > /dev/full: exit 1 with the error"
"$PCIPASS" -c "$URI" --sysfs-root "$X86" list > /dev/full 2> "$WORK/fullt.err"
echo $? > "$WORK/fullt.rc"
[ "$(rc fullt)" = 1 ] && err_has fullt "No space left on device"
ok $? "the text table too"
# a disk that fills after 4 KiB: SIGXFSZ ignored, so write() fails with EFBIG as on a full disk
(trap '' XFSZ; ulimit -f 4; exec "$PCIPASS" -c "$URI" --sysfs-root "$X86" list --json) \
    > "$WORK/cut.json" 2> "$WORK/cut.err"
echo $? > "$WORK/cut.rc"
[ "$(rc cut)" = 1 ] && err_has cut "cannot write the output: File too large"
ok $? "list --json into a file that cannot grow past 4 KiB: exit 1 with the error"
[ "$(wc -c < "$WORK/cut.json")" -le 4096 ] && ! jq -e . "$WORK/cut.json" > /dev/null 2>&1
ok $? "(the file holds cut JSON: the status is what tells)"
"$PCIPASS" -c "$URI" --sysfs-root "$X86" list --json > "$WORK/whole.json"
ok $? "with room, the same command exits 0"
"$PCIPASS" -c "$URI" guests > /dev/full 2> "$WORK/gfull.err"
[ $? = 1 ]; ok $? "guests > /dev/full: exit 1"

# ---- 9: FIFOs as sysfs attributes ----
F="$WORK/fifo-root"
cp -a "$X86" "$F"
d() { echo "$F/bus/pci/devices/$1"; }
for a in "0000:b3:00.0 reset_method" "0000:17:00.1 sriov_totalvfs" "0000:65:00.0 numa_node" \
         "0000:00:1f.4 vendor" "0000:05:00.0 driver_override"; do
    set -- $a
    rm -f "$(d "$1")/$2" && mkfifo "$(d "$1")/$2"
done
# a link to a FIFO: the directory says "link", so what it names is looked at before the open
mkfifo "$WORK/elsewhere-fifo"
rm -f "$(d 0000:17:02.0)/reset_method" && ln -s "$WORK/elsewhere-fifo" "$(d 0000:17:02.0)/reset_method"
rm -f "$(d 0000:65:00.1)/class" && ln -s "$WORK/elsewhere-fifo" "$(d 0000:65:00.1)/class"
# without the kernel's uevent: libpci opens those two identity files
rm "$(d 0000:00:1f.4)/uevent" "$(d 0000:65:00.1)/uevent"
# a uevent that is a FIFO, and one behind a link to a FIFO: the attribute files are read instead
rm -f "$(d 0000:02:00.0)/uevent" && mkfifo "$(d 0000:02:00.0)/uevent"
rm -f "$(d 0000:03:00.0)/uevent" && ln -s "$WORK/elsewhere-fifo" "$(d 0000:03:00.0)/uevent"
timeout 20 "$PCIPASS" -c "$URI" --sysfs-root "$F" list --json > "$WORK/ff.out" 2> "$WORK/ff.err"
echo $? > "$WORK/ff.rc"
[ "$(rc ff)" = 0 ]; ok $? "list on a root with FIFOs as attributes does not hang, exits 0 ($(rc ff))"
err_has ff "0000:b3:00.0: cannot read 'reset_method': not a regular file" &&
    err_has ff "0000:17:00.1: cannot read 'sriov_totalvfs': not a regular file" &&
    err_has ff "0000:65:00.0: cannot read 'numa_node': not a regular file" &&
    err_has ff "0000:00:1f.4: skipped: 'vendor' is not a regular file" &&
    err_has ff "0000:17:02.0: cannot read 'reset_method': not a regular file" &&
    err_has ff "0000:65:00.1: skipped: 'class' is not a regular file"
ok $? "each FIFO named in one warning, those behind a link too"
err_has ff "0000:02:00.0: cannot read 'uevent': not a regular file; its identity is read from the attribute files" &&
    err_has ff "0000:03:00.0: cannot read 'uevent': not a regular file" &&
    [ "$(jq -r '.[] | select(.address=="0000:02:00.0" or .address=="0000:03:00.0") | "\(.vendor_id):\(.device_id) \(.class)"' "$WORK/ff.out" | tr '\n' ' ')" = "0x1a03:0x1150 0x060400 0x1a03:0x2000 0x030000 " ]
ok $? "a uevent that is a FIFO (or behind a link to one) is named; the identity comes from the attribute files"
[ "$(jq length "$WORK/ff.out")" = 19 ] &&
    [ "$(jq -r '.[] | select(.address=="0000:65:00.0") | .numa_node' "$WORK/ff.out")" = null ]
ok $? "the other 19 functions listed; the one without a readable numa_node has none"
timeout 20 "$PCIPASS" -c "$URI" --sysfs-root "$F" check 0000:b3:00.0 > "$WORK/fc.out" 2> "$WORK/fc.err"
[ $? -ne 124 ]; ok $? "check DEVICE with its reset_method a FIFO does not hang"

# ---- 9b: the output guard on output larger than its buffers ----
# 300 functions on a driver whose name holds a two-byte character, an ESC and a C1 control (the
# kernel allows any bytes but '/'), then 200 on a plain one: runs of plain bytes go out whole
# (kilobytes of them at the end), so every name must come out escaped the same way wherever
# stdio's 8 KiB buffer cuts the output, and in order
awk 'BEGIN { for (i = 0; i < 500; i++)
    printf "fn 0000:%02x:%02x.0 8086 1572 020000 group=%d driver=%s\n", 16 + int(i / 32), i % 32, i,
           i < 300 ? "dr\303\251v\033x\302\205y" : "i40e" }' > "$WORK/guard.hw"
sh "$top_srcdir/tests/lib/mkfakesys.sh" "$WORK/guard.hw" "$WORK/guard-root"
"$PCIPASS" -c test:///default --sysfs-root "$WORK/guard-root" list > "$WORK/gt.out" 2> "$WORK/gt.err"
"$PCIPASS" -c test:///default --sysfs-root "$WORK/guard-root" list --json > "$WORK/gj.out" 2> "$WORK/gj.err"
[ "$(wc -c < "$WORK/gt.out")" -gt 16384 ] &&
    [ "$(LC_ALL=C grep -c -F "$(printf 'dr\303\251v\\x1bx\\u0085y')" "$WORK/gt.out")" = 300 ]
ok $? "list: all 300 driver names escaped whole in $(wc -c < "$WORK/gt.out") bytes of output"
[ "$(LC_ALL=C grep -c -F "$(printf '"driver": "dr\303\251v\\u001bx\\u0085y"')" "$WORK/gj.out")" = 300 ] &&
    [ "$(jq -r '[.[] | select(.driver == "dr\u00e9v\u001bx\u0085y")] | length' "$WORK/gj.out")" = 300 ] &&
    [ "$(jq -r '[.[].address] == ([.[].address] | sort) and length == 500' "$WORK/gj.out")" = true ] &&
    [ "$(awk 'NR > 1 { print $1 }' "$WORK/gt.out" | sort -c && awk 'NR > 1' "$WORK/gt.out" | wc -l)" = 500 ]
ok $? "list --json: all 300 escaped whole, jq reads them back as the kernel's bytes; both lists whole and in order"
! LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$WORK/gt.out" "$WORK/gj.out"
ok $? "no raw control byte reached stdout"

# ---- 10: memory does not grow with the journal ----
# a 48 MiB journal of attach changes (intent and outcome, pcipass's own frame), written with perl
perl -MCompress::Zlib -e '
    my $pad = "x" x 600;
    open(my $f, ">", $ARGV[0]) or die;
    for my $n (0 .. 38000) {
        for my $ph ("intent", "done") {
            my $id = $ph eq "intent" ? "i$n" : "o$n";
            my $in = $ph eq "intent" ? "null" : "\"i$n\"";
            my $j = "{\"id\":\"$id\",\"time\":\"2026-01-01T00:00:00Z\",\"uri\":\"test:///default\",\"phase\":\"$ph\",\"intent\":$in,\"guest\":\"g$n\",\"uuid\":\"5a1e0000-0000-4000-8000-000000000001\",\"action\":\"attach\",\"devices\":\"0000:17:02.3\",\"flags\":\"config\",\"undoes\":null,\"elements\":[{\"kind\":\"hostdev\",\"source\":\"0000:17:02.3\",\"managed\":\"yes\",\"guest_address\":null,\"multifunction\":false,\"zpci_uid\":null,\"zpci_fid\":null,\"mac\":null,\"driver\":\"vfio\"}],\"xml\":\"<hostdev>$pad</hostdev>\"}";
            printf $f "#pcipass-journal v2 %d %08x\n%s\n", length($j), crc32($j), $j;
        }
    }' "$WORK/big-journal"
chmod 600 "$WORK/big-journal"
rss() { # CMD...: the peak resident set of pcipass running CMD, in KiB
    /usr/bin/time -f %M -o "$WORK/rss" "$PCIPASS" -c test:///default --journal "$WORK/big-journal" "$@" \
        > "$WORK/rss.out" 2> /dev/null
    tail -n 1 "$WORK/rss"
}
[ "$(du -m "$WORK/big-journal" | cut -f1)" -ge 45 ]; ok $? "a journal of $(du -m "$WORK/big-journal" | cut -f1) MiB"
for c in "history" "history --json" "undo --dry-run"; do
    # AddressSanitizer keeps freed memory in its quarantine (256 MiB) and adds its shadow: a peak
    # measured there says nothing of pcipass's own; the plain build measures it
    if grep -q -- '--enable-sanitizers' "$top_builddir/config.status" 2> /dev/null; then
        tap_n=$((tap_n + 1))
        echo "ok $tap_n - $c: peak memory # SKIP the sanitizer build (its allocator holds freed memory)"
        continue
    fi
    # shellcheck disable=SC2086
    k=$(rss $c)
    [ "$k" -lt 49152 ]; ok $? "$c on it peaks at $((k / 1024)) MiB: less than the journal (48 MiB)"
done
[ "$(jq length "$(rss history --json > /dev/null; echo "$WORK/rss.out")")" = 38001 ]
ok $? "and history --json still gives every change"

done_testing
