#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The change service against the real QEMU driver of a private qemu:///session: two pcipass
# processes never both take one function; a concurrent virsh change is never lost; a killed
# attach or undo leaves an intent that history shows and undo resolves; forged, damaged,
# truncated, foreign, linked and FIFO journals are refused; the guards that only the guest's own
# definition can answer (hot-plug port, SR-IOV relation, shared guest slot).
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start
X86=$(fake_root x86-server)
chmod -R a+rX "$WORK/roots"
J="$SESSION/journal"

pp() { # NAME ARGS...: pcipass as the session user on the demo x86 host
    _n=$1; shift
    run_session "$_n" --sysfs-root "$X86" --proc-root "$X86-proc" --journal "$J" "$@"
}
# ppbg NAME ARGS...: the same in the background; the pid of pcipass itself in $!
ppbg() {
    _n=$1; shift
    as_session_bg "$PCIPASS" -c qemu:///session --sysfs-root "$X86" --proc-root "$X86-proc" \
        --journal "$J" "$@" > "$WORK/$_n.out" 2> "$WORK/$_n.err"
}
config_of() { virsh_s dumpxml --inactive "$1"; }
holds() { config_of "$1" | grep -q "bus='0x$2' slot='0x$3' function='0x$4'"; }
# a random number of milliseconds below $1, as a sleep argument
rand_sleep() { awk -v m="$1" -v s="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.3f", (s % m) / 1000 }'; }

session_define ca x86_64
session_define cb x86_64
ok $? "private qemu:///session started, two guests defined"

# --- two operators at once: the lock makes the owner guard and the write one step ---
both=0 none=0 waited=0
i=0
while [ $i -lt 50 ]; do
    ppbg ra attach ca 0000:b3:00.0 --config; pa=$!
    ppbg rb attach cb 0000:b3:00.0 --config; pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    [ $ra -eq 0 ] && [ $rb -eq 0 ] && both=$((both + 1))
    [ $ra -ne 0 ] && [ $rb -ne 0 ] && none=$((none + 1)) && { cat "$WORK/ra.err" "$WORK/rb.err" | diag; }
    grep -q "Waiting for another pcipass" "$WORK/ra.err" "$WORK/rb.err" && waited=$((waited + 1))
    for g in ca cb; do holds $g b3 00 0 && pp undo$i detach $g 0000:b3:00.0; done
    i=$((i + 1))
done
[ $both -eq 0 ]; ok $? "50 rounds of two concurrent attaches of one function: never both ($both)"
[ $none -eq 0 ]; ok $? "and never neither: one of them always gets it ($none)"
echo "# the second one waited for the lock in $waited of 50 rounds"
holds ca b3 00 0 || holds cb b3 00 0; [ $? -ne 0 ]; ok $? "after the rounds, neither guest holds it"

# the lock held by another process (util-linux flock, the same flock(2) lock) for 3 seconds
as_session flock "$SESSION/.local/state/pcipass/lock-$(hostname)" sleep 3 &
holder=$!
sleep 0.5
pp nw attach cb 0000:b3:00.0 --config --no-wait
[ "$(rc nw)" = 1 ] && err_has nw "is making a change on this host; nothing was sent"
ok $? "--no-wait fails at once while another process holds the lock"
holds cb b3 00 0; [ $? -ne 0 ]; ok $? "and sent nothing"
pp lw attach cb 0000:b3:00.0 --config
[ "$(rc lw)" = 0 ] && err_has lw "Waiting for another pcipass"
ok $? "without it, attach says it waits, waits, and goes on once the lock is free"
wait $holder
pp lwd detach cb 0000:b3:00.0

# --- a concurrent virsh change is never lost: device attach, not a redefinition ---
cat > "$WORK/vf.xml" <<'XML'
<hostdev mode='subsystem' type='pci' managed='yes'>
  <source><address domain='0x0000' bus='0x17' slot='0x02' function='0x3'/></source>
</hostdev>
XML
chmod 644 "$WORK/vf.xml"
lost=0
i=0
while [ $i -lt 10 ]; do
    ppbg lu attach ca 0000:65:00.0 --all-functions --config; p1=$!
    as_session virsh -q -c qemu:///session attach-device ca "$WORK/vf.xml" --config > /dev/null 2>&1 &
    p2=$!
    wait $p1; wait $p2
    if ! holds ca 65 00 0 || ! holds ca 65 00 1 || ! holds ca 17 02 3; then
        lost=$((lost + 1)); config_of ca | grep -A3 "<hostdev" | diag
    fi
    as_session virsh -q -c qemu:///session detach-device ca "$WORK/vf.xml" --config > /dev/null 2>&1
    pp lud1 detach ca 0000:65:00.0; pp lud2 detach ca 0000:65:00.1
    i=$((i + 1))
done
[ $lost -eq 0 ]; ok $? "--all-functions --config beside a concurrent virsh attach-device --config: nothing lost in 10 rounds ($lost)"

# --- detaching function 0 of a shared guest slot names what stays ---
pp mf attach ca 0000:65:00.0 --all-functions --config
pp mfd detach ca 0000:65:00.0
[ "$(rc mfd)" = 0 ] && out_has mfd "0000:65:00.1 shares the guest slot of 0000:65:00.0 and stays attached"
ok $? "detach of function 0 names the sibling that stays in the guest slot"
pp mfd2 detach ca 0000:65:00.1

# --- SR-IOV: a PF whose VF a guest holds goes nowhere ---
pp vf attach ca 0000:17:02.3 --config
ok "$(rc vf)" "a VF attached to one guest"
pp pf attach cb 0000:17:00.0 --config
[ "$(rc pf)" = 1 ] && err_has pf "0000:17:00.0 is the SR-IOV PF of VF 0000:17:02.3, which guest 'ca' (persistent configuration) holds"
ok $? "its PF is refused for another guest, with the reason"
holds cb 17 00 0; [ $? -ne 0 ]; ok $? "and nothing was sent"
pp pfc check 0000:17:00.0 --json
[ "$(jq -r '.[] | select(.check=="device") | .status' "$WORK/pfc.out" | sort -u | head -1)" != pass ] &&
    grep -q "SR-IOV PF" "$WORK/pfc.out"
ok $? "check no longer calls the PF ready to assign"
pp vf2 attach cb 0000:17:02.2 --config --dry-run
[ "$(rc vf2)" = 0 ]; ok $? "a sibling VF is still free to go elsewhere"
pp vfd detach ca 0000:17:02.3

# --- a live attach needs a free hot-plug port on a q35 guest ---
cat > "$WORK/hp.xml" <<'XML'
<domain type='qemu'>
  <name>hp</name>
  <uuid>5a1e0000-0000-4000-8000-0000000000a9</uuid>
  <memory unit='MiB'>48</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
XML
chmod 644 "$WORK/hp.xml"
if virsh_s define "$WORK/hp.xml" > /dev/null && virsh_s start hp > /dev/null; then
    # libvirt put its USB controller behind the only root port: none is left for a hot-plug
    virsh_s dumpxml hp > "$WORK/hp-live.xml"
    pp hp1 attach hp 0000:b3:00.0 --live
    [ "$(rc hp1)" = 1 ] && err_has hp1 "guest 'hp' has 0 free pcie-root-ports for hot-plug, and this needs 1"
    ok $? "a live attach to a q35 guest without a free root port is refused before libvirt is asked"
    pp hp2 attach hp 0000:b3:00.0 --live --dry-run
    [ "$(rc hp2)" = 1 ] && err_has hp2 "free pcie-root-ports for hot-plug"; ok $? "and --dry-run says so too"
    pp hp3 attach hp 0000:b3:00.0 --live --force
    [ "$(rc hp3)" = 1 ] && err_has hp3 "free pcie-root-ports"; ok $? "--force does not override it"
    virsh_s dumpxml hp | cmp -s - "$WORK/hp-live.xml"; ok $? "the running guest is unchanged"
    pp hp4 attach hp 0000:b3:00.0 --config
    ok "$(rc hp4)" "its persistent configuration still takes it (no hot-plug there)"
    pp hp5 detach hp 0000:b3:00.0 --config
    virsh_s destroy hp > /dev/null
    virsh_s undefine hp > /dev/null
else
    for t in 1 2 3 4 5; do echo "ok $((tap_n + 1)) # SKIP a q35 guest could not start here"; tap_n=$((tap_n + 1)); done
fi

# --- a killed attach leaves an intent; undo resolves it from what libvirt holds ---
config_of ca > "$WORK/ca-before.xml"
bad=0 unknown_left=0 killed=0
i=0
while [ $i -lt 10 ]; do
    rm -f "$J"
    ppbg ka attach ca 0000:b3:00.0 --config; pk=$!
    sleep "$(rand_sleep 250)"
    kill -KILL $pk 2> /dev/null
    wait $pk
    [ $? -eq 137 ] && killed=$((killed + 1))
    pp ku undo
    if [ "$(rc ku)" != 0 ] && ! err_has ku "holds no change to undo"; then bad=$((bad + 1)); fi
    config_of ca > "$WORK/ca-now.xml"
    cmp -s "$WORK/ca-now.xml" "$WORK/ca-before.xml" ||
        { bad=$((bad + 1)); diff -u "$WORK/ca-before.xml" "$WORK/ca-now.xml" | diag; }
    pp kh history --json
    [ -s "$J" ] && jq -e 'any(.[]; .state == "unknown")' "$WORK/kh.out" > /dev/null &&
        unknown_left=$((unknown_left + 1))
    i=$((i + 1))
done
[ $bad -eq 0 ]; ok $? "10 attaches killed at random: undo resolves each, the guest is as before ($bad)"
[ $unknown_left -eq 0 ]; ok $? "and no change is left unknown in the history ($unknown_left)"
echo "# $killed of the 10 attaches were killed before they ended by themselves"

# the intent alone, by hand: what a process killed between libvirt's answer and its record leaves
rm -f "$J"
pp ki attach ca 0000:b3:00.0 --config
head -n 2 "$J" > "$J.cut" && cat "$J.cut" > "$J" && rm -f "$J.cut"
pp kih history --json
[ "$(jq -r '.[-1].state' "$WORK/kih.out")" = unknown ]; ok $? "an intent without outcome: history says unknown"
pp kiu undo
[ "$(rc kiu)" = 0 ] && out_has kiu "# undone: attach of 0000:b3:00.0 for guest 'ca'"
ok $? "undo finds the attach was made, records it, and undoes it"
config_of ca | cmp -s - "$WORK/ca-before.xml"; ok $? "the guest is as before"
pp kih2 history --json
[ "$(jq -r '[.[] | .state] | join(",")' "$WORK/kih2.out")" = "done,done" ] &&
    [ "$(jq -r '.[0].undone' "$WORK/kih2.out")" = true ]
ok $? "history: the attach resolved as done and undone, the undo done"

# a killed undo: the next undo resolves it
bad=0
i=0
while [ $i -lt 6 ]; do
    rm -f "$J"
    pp ua attach ca 0000:b3:00.0 --config
    ppbg ub undo; pk=$!
    sleep "$(rand_sleep 400)"
    kill -KILL $pk 2> /dev/null
    wait $pk
    k=0
    : > "$WORK/uc.all"
    while [ $k -lt 3 ]; do
        pp uc undo
        cat "$WORK/uc.out" "$WORK/uc.err" >> "$WORK/uc.all"
        grep -q "holds no change to undo" "$WORK/uc.err" && break
        k=$((k + 1))
    done
    config_of ca | cmp -s - "$WORK/ca-before.xml" ||
        { bad=$((bad + 1)); { cat "$WORK/ub.err" "$WORK/uc.all"; pp ucj history; cat "$WORK/ucj.out"; cut -c1-400 "$J"; } | diag; }
    i=$((i + 1))
done
[ $bad -eq 0 ]; ok $? "6 undos killed at random: the next undo resolves each, the guest is as before ($bad)"

# --- journals that are not to be trusted ---
crc() { gzip -c | tail -c8 | head -c4 | od -An -tx4 | tr -d ' \n'; }
frame() { # JSON: one version 2 record
    printf '#pcipass-journal v2 %s %s\n%s\n' "$(printf '%s' "$1" | wc -c)" "$(printf '%s' "$1" | crc)" "$1"
}
uuid=$(virsh_s domuuid ca)
forged="{\"id\":\"f1\",\"time\":\"2026-01-01T00:00:00Z\",\"uri\":\"qemu:///session\",\"phase\":\"done\",\"guest\":\"ca\",\"uuid\":\"$uuid\",\"action\":\"detach\",\"devices\":\"0000:00:01.0\",\"flags\":\"config\",\"elements\":[{\"kind\":\"hostdev\",\"source\":\"0000:00:01.0\",\"managed\":\"yes\"}],\"xml\":\"<hostdev/>\"}"
rm -f "$J"; frame "$forged" > "$J"; chown $SESSION_UID "$J"
pp fg history --json
[ "$(jq -r '.[0].action' "$WORK/fg.out")" = detach ]; ok $? "a forged record with a valid checksum reads"
pp fgu undo --force
[ "$(rc fgu)" = 1 ] && err_has fgu "0000:00:01.0 is a bridge"; ok $? "its undo runs the guards: a bridge never, not even with --force"
config_of ca | cmp -s - "$WORK/ca-before.xml"; ok $? "nothing was sent"

rm -f "$J"
pp dm attach ca 0000:b3:00.0 --config
config_of ca > "$WORK/ca-held.xml"
cp "$J" "$WORK/j.good"
sz=$(wc -c < "$J")
printf 'X' | dd of="$J" bs=1 seek=$((sz - 20)) conv=notrunc 2> /dev/null
pp dmu undo
[ "$(rc dmu)" = 1 ] && err_has dmu "ends in a damaged record; nothing was undone"
ok $? "a flipped byte in the last record: undo refuses instead of reaching past it"
config_of ca | cmp -s - "$WORK/ca-held.xml"; ok $? "and the guest keeps the function"
cp "$WORK/j.good" "$J"; chown $SESSION_UID "$J"
pp dmok undo
ok "$(rc dmok)" "the intact journal undoes it"
# a last record cut short (a write that never completed): no damage, the change is unknown
pp dm2 attach ca 0000:b3:00.0 --config
sz=$(wc -c < "$J")
head -c $((sz - 30)) "$J" > "$WORK/j.cut" && cat "$WORK/j.cut" > "$J"
pp tru undo
[ "$(rc tru)" = 0 ] && ! holds ca b3 00 0
ok $? "a truncated last record is a write cut short: undo resolves the change from libvirt and reverts it" ||
    diag < "$WORK/tru.err"

chown 0 "$J"; chmod 644 "$J"
pp fo history
[ "$(rc fo)" = 1 ] && err_has fo "belongs to user 0, not to this user"; ok $? "a journal of another user is refused"
chown $SESSION_UID "$J"; chmod 666 "$J"
pp ww history
[ "$(rc ww)" = 1 ] && err_has ww "is writable by other users"; ok $? "a journal others may write is refused"
chmod 600 "$J"
ln -s "$J" "$SESSION/link"
run_session ln --journal "$SESSION/link" history
[ "$(rc ln)" = 1 ] && err_has ln "is a symbolic link"; ok $? "a symlinked journal is not followed"
mkfifo "$SESSION/fifo"; chown $SESSION_UID "$SESSION/fifo"
timeout 20 setpriv --reuid=$SESSION_UID --regid=$SESSION_UID --clear-groups "$PCIPASS" \
    --journal "$SESSION/fifo" history > "$WORK/ff.out" 2> "$WORK/ff.err"
echo $? > "$WORK/ff.rc"
[ "$(rc ff)" = 1 ] && err_has ff "is not a regular file"; ok $? "a FIFO as the journal is refused at once, not waited on"
run_session fz --journal /dev/zero history
[ "$(rc fz)" = 1 ] && err_has fz "refusing to use it"; ok $? "/dev/zero as the journal is refused"

# --- check without guests: owners unknown, never ready ---
run_cmd ro -c "test+unix:///nonexistent.xml?socket=$WORK/none" --inventory sysfs --sysfs-root "$X86" --proc-root "$X86-proc" check 0000:b3:00.0 --json
[ "$(jq -r '.[] | select(.check=="device") | .status' "$WORK/ro.out")" = warn ] &&
    grep -q "whether a guest holds it is unknown" "$WORK/ro.out"
ok $? "check where the guests cannot be read: unknown, not ready"

done_testing
