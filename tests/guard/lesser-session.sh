#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lesser findings that need a daemon shared by several processes (the real QEMU driver of a
# private qemu:///session), one check each: a guest slot chosen before the lock was waited for;
# detach from a definition that does not parse; the XML after attach and detach; a guest address
# libvirt moves; Ctrl-C.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start
X86=$(fake_root x86-server)
chmod -R a+rX "$WORK/roots"
J="$SESSION/journal"
pp() { _n=$1; shift; run_session "$_n" --sysfs-root "$X86" --proc-root "$X86-proc" --journal "$J" "$@"; }
session_define ls1 x86_64
ok $? "private qemu:///session started, a guest defined"

# --- attach --all-functions: the guest slot is chosen under the lock, not before waiting for it ---
pp dry attach ls1 0000:65:00.0 --all-functions --config --dry-run
slot=$(sed -n "s/.*<address type=.pci.* slot=.\(0x[0-9a-f]*\).*/\1/p" "$WORK/dry.out" | head -1)
[ -n "$slot" ]; ok $? "the dry run shows the slot pcipass would choose ($slot)"
cat > "$WORK/taker.xml" <<XML
<hostdev mode='subsystem' type='pci' managed='yes'>
  <source><address domain='0x0000' bus='0x17' slot='0x02' function='0x3'/></source>
  <address type='pci' domain='0x0000' bus='0x00' slot='$slot' function='0x0'/>
</hostdev>
XML
chmod 644 "$WORK/taker.xml"
LOCK="$SESSION/.local/state/pcipass/lock-$(hostname)"
as_session mkdir -p "${LOCK%/*}"
as_session flock "$LOCK" sleep 2 &
holder=$!
sleep 0.3
as_session_bg "$PCIPASS" -c qemu:///session --sysfs-root "$X86" --proc-root "$X86-proc" \
    --journal "$J" attach ls1 0000:65:00.0 --all-functions --config > "$WORK/af.out" 2> "$WORK/af.err"
af=$!
i=0
while ! grep -q "Waiting for another pcipass" "$WORK/af.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# while it waits, another change takes that slot
virsh_s attach-device ls1 "$WORK/taker.xml" --config > /dev/null
wait $af; echo $? > "$WORK/af.rc"
wait $holder
[ "$(rc af)" = 0 ] && ! grep -q "already in use" "$WORK/af.err"
ok $? "attach --all-functions that waited for the lock takes another free slot, not the one taken meanwhile" ||
    diag < "$WORK/af.err"
got=$(virsh_s dumpxml --inactive ls1 | grep -A3 "bus='0x65' slot='0x00' function='0x0'" |
    sed -n "s/.*<address type=.pci.* slot=.\(0x[0-9a-f]*\).*/\1/p" | head -1)
[ -n "$got" ] && [ "$got" != "$slot" ]; ok $? "libvirt holds 0000:65:00.0 at slot $got, not $slot"

# --- a definition that does not parse (a description holding an ESC): dry run and detach agree ---
session_define ls2 x86_64
pp ds attach ls2 0000:b3:00.0 --config
virsh_s desc ls2 --config "$(printf 'desc \033[2J end')"
pp ddry detach ls2 0000:b3:00.0 --dry-run
pp dreal detach ls2 0000:b3:00.0
[ "$(rc ddry)" = 1 ] && [ "$(rc dreal)" = 1 ] && [ "$(head -1 "$WORK/ddry.err")" = "$(head -1 "$WORK/dreal.err")" ]
ok $? "detach --dry-run and detach agree on a guest whose definition is not well-formed XML" ||
    cat "$WORK/ddry.out" "$WORK/ddry.err" "$WORK/dreal.err" | diag
err_has dreal "is not well-formed XML (PCDATA invalid Char value 27)" && ! grep -q "not in the" "$WORK/dreal.err"
ok $? "the parser's reason is passed on, not 'not in the configuration'"
! grep -q "$(printf '\033')" "$WORK/ddry.out" "$WORK/ddry.err" "$WORK/dreal.out" "$WORK/dreal.err"
ok $? "no raw ESC reaches the output"
virsh_s dumpxml --inactive ls2 | grep -q "bus='0xb3' slot='0x00' function='0x0'"
ok $? "and the guest still holds the function"
virsh_s desc ls2 --config plain > /dev/null # the other checks need well-formed guests

# --- attach then detach: the persistent XML as before, but for libvirt's own empty <metadata/>
# (libvirt 9.0, its QEMU and test drivers alike, keeps the element once its last child is
# removed through virDomainSetMetadata) ---
session_define ls3 x86_64
virsh_s dumpxml --inactive ls3 > "$WORK/md-before.xml"
pp mda attach ls3 0000:17:02.1 --config --force
virsh_s dumpxml --inactive ls3 | grep -q "urn:pcipass:identity:1"
ok $? "attach records the identity in pcipass's own metadata element"
pp mdd detach ls3 0000:17:02.1 --config
virsh_s dumpxml --inactive ls3 > "$WORK/md-after.xml"
! grep -q "pcipass" "$WORK/md-after.xml" && [ "$(rc mdd)" = 0 ]
ok $? "detach of its last function removes pcipass's metadata element"
grep -v '^ *<metadata/>$' "$WORK/md-after.xml" | diff "$WORK/md-before.xml" - > "$WORK/md.diff"
ok $? "the XML after attach and detach is the XML before, but for libvirt's empty <metadata/>" ||
    diag < "$WORK/md.diff"

# --- --guest-address 0000:00:00.0: the real driver moves it; the address it holds is said ---
pp gz attach ls3 0000:17:02.1 --config --force --guest-address 0000:00:00.0
held=$(virsh_s dumpxml --inactive ls3 | grep -A5 "<hostdev" | tr -d '\n' |
    sed -n "s/.*<\/source> *<address type='pci' domain='0x\([0-9a-f]*\)' bus='0x\([0-9a-f]*\)' slot='0x\([0-9a-f]*\)' function='0x\([0-9a-f]*\)'.*/\1:\2:\3.\4/p")
[ "$(rc gz)" = 0 ] && [ -n "$held" ] &&
    err_has gz "warning: guest-address: 0000:17:02.1 asked for 0000:00:00.0, and libvirt holds it at $held"
ok $? "attach --guest-address 0000:00:00.0: the address libvirt moved it to ($held) is said"
pp gzd detach ls3 0000:17:02.1 --config

# --- Ctrl-C (SIGINT) during a change: one line that says what state the change is in ---
# (env --default-signal: a background job of a script starts with SIGINT ignored)
session_define ls4 x86_64
ppint() { # NAME ARGS...: pcipass in the background, SIGINT as a terminal's Ctrl-C delivers it
    _n=$1; shift
    as_session_bg env --default-signal=INT "$PCIPASS" -c qemu:///session --sysfs-root "$X86" \
        --proc-root "$X86-proc" --journal "$J" "$@" > "$WORK/$_n.out" 2> "$WORK/$_n.err"
}
as_session flock "$LOCK" sleep 3 &
holder=$!
sleep 0.3
ppint i1 attach ls4 0000:17:02.0 --config; p=$!
i=0
while ! grep -q "Waiting for another pcipass" "$WORK/i1.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $p; wait $p; echo $? > "$WORK/i1.rc"
wait $holder
[ "$(rc i1)" = 130 ] && err_has i1 "pcipass: interrupted by signal 2; nothing was sent to libvirt"
ok $? "SIGINT while waiting for the lock: status 130 and a line that says nothing was sent"
# the intent written, libvirt stopped under the call that follows (the line follows the journal:
# if the outcome got in first, it says that)
DPID=$(cat "$SESSION/run/libvirt/libvirtd.pid")
n0=$(grep -c '"phase":"intent"' "$J")
ppint i2 attach ls4 0000:17:02.0 --config; p=$!
perl -e 'my ($j, $n0, $d, $p) = @ARGV; my $t = time + 20;
    while (time < $t && kill(0, $p)) { open(my $f, "<", $j) or next; my $c = () = join("", <$f>) =~ /"phase":"intent"/g;
        if ($c > $n0) { kill "STOP", $d; kill "INT", $p; exit 0 } }' "$J" "$n0" "$DPID" "$p"
wait $p; echo $? > "$WORK/i2.rc"
kill -CONT "$DPID"
last=$(tail -n 1 "$J" | sed -n 's/.*"phase":"\([a-z]*\)".*/\1/p')
echo "# the journal's last record after the interrupt: $last"
if [ "$last" = intent ]; then
    err_has i2 "interrupted by signal 2; the change (attach 0000:17:02.0) is unknown: its intent is in the journal" &&
        err_has i2 "'pcipass history' shows it as unknown, and 'pcipass undo' reads back what is there"
else
    err_has i2 "interrupted by signal 2; the change (attach 0000:17:02.0) is recorded in the journal as $last"
fi
[ $? = 0 ] && [ "$(rc i2)" = 130 ]
ok $? "SIGINT after the intent: status 130 and a line that says what the journal holds ($last)"
pp ih history
[ "$last" != intent ] || out_has ih "unknown"; ok $? "history agrees"
pp iu undo --force

done_testing
