#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Changes whose truth must not be lost, against the real QEMU driver of a private qemu:///session:
# a libvirt call whose answer is lost (the daemon stopped inside it past the keepalive bound, then
# continued) is unknown, not failed, and undo resolves it; a 32-bit PCI domain survives detach and
# undo; one lock per user whatever XDG_RUNTIME_DIR says; undo --dry-run writes nothing.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start perl
DPIDF="$SESSION/run/libvirt/libvirtd.pid"
resume() { kill -CONT "$(cat "$DPIDF" 2>/dev/null)" 2>/dev/null; }
trap 'resume; session_stop; cleanup_work' EXIT
X86=$(fake_root x86-server)
chmod -R a+rX "$WORK/roots"
J="$SESSION/journal"
pp() { _n=$1; shift; run_session "$_n" --sysfs-root "$X86" --proc-root "$X86-proc" --journal "$J" "$@"; }
config_of() { virsh_s dumpxml --inactive "$1"; }
holds() { config_of "$1" | grep -q "bus='0x$2' slot='0x$3' function='0x$4'"; }
jsize() { stat -c %s "$J" 2>/dev/null || echo 0; }

session_define la x86_64
ok $? "private qemu:///session started, a guest defined"

# ---- 2: the answer of an attach lost ----
# lost_attach WHEN: an attach whose answer is lost: the daemon stopped, past the keepalive bound,
# at WHEN (intent: once the intent is in the journal, before libvirt is asked, so the request
# dies with the connection; saved: once libvirt rewrote the guest's definition, before it answers,
# so the change is made); then continued. Tried again where the answer came through anyway.
CFG="$SESSION/.config/libvirt/qemu/la.xml"
lost_attach() {
    lost=0 try=0
    while [ $lost -eq 0 ] && [ $try -lt 6 ]; do
        try=$((try + 1))
        before=$(jsize) ino=$(stat -c %i "$CFG")
        as_session_bg env PCIPASS_LIBVIRT_TIMEOUT=3 "$PCIPASS" -c qemu:///session --sysfs-root "$X86" \
            --proc-root "$X86-proc" --journal "$J" attach la 0000:b3:00.0 --config \
            > "$WORK/lost.out" 2> "$WORK/lost.err"
        bg=$!
        perl -e 'my ($w, $j, $b, $c, $i, $p) = @ARGV; my $t = time + 20;
                 while (time < $t) {
                     my $hit = $w eq "intent" ? (-s $j // 0) > $b : ((stat $c)[1] // $i) != $i;
                     if ($hit) { kill "STOP", $p; exit 0 }
                 }
                 exit 1' "$1" "$J" "$before" "$CFG" "$ino" "$(cat "$DPIDF")"
        wait $bg; echo $? > "$WORK/lost.rc"
        resume
        # lost in the attach call itself, not in the reading back after it
        if grep -q "keepalive" "$WORK/lost.err" && ! grep -q "reading the guest back" "$WORK/lost.err"; then
            lost=1
        else
            pp lclean detach la 0000:b3:00.0
        fi
    done
    [ $lost -eq 1 ]
}

lost_attach intent
ok $? "the daemon stopped before the request was read: the answer lost to keepalive (try $try)"
[ "$(rc lost)" = 1 ] && err_has lost "libvirt's answer was lost: whether 0000:b3:00.0 was changed is unknown"
ok $? "attach exits 1 and says the outcome is unknown, not that it failed"
pp hist history --json
[ "$(jq -r '.[-1] | "\(.action) \(.state)"' "$WORK/hist.out")" = "attach unknown" ]
ok $? "history shows the change as unknown" || diag < "$WORK/hist.out"
# stopped this early the request mostly dies with the connection, but may have reached libvirt
if holds la b3 00 0; then want="attach done true,undo done false" made=made; else want="attach failed false" made="not made"; fi
nh=$(jq length "$WORK/hist.out")
pp lres undo
pp hist1 history --json
got=$(jq -r --argjson n "$nh" '[.[$n - 1:][] | "\(.action) \(.state) \(.undone)"] | join(",")' "$WORK/hist1.out")
[ "$got" = "$want" ] && ! holds la b3 00 0
ok $? "undo resolves it from what libvirt holds ($made): recorded so, reverted where made" ||
    { echo "got '$got', want '$want'" | diag; diag < "$WORK/lres.err"; }

lost_attach saved
ok $? "the daemon stopped after it saved the definition: the answer lost to keepalive (try $try)"
holds la b3 00 0; ok $? "the change was made: the guest holds the function"
[ "$(rc lost)" = 1 ] && err_has lost "is unknown"
ok $? "attach exits 1, outcome unknown"
pp lundo undo
[ "$(rc lundo)" = 0 ]; ok $? "undo resolves it as made and reverts it" || diag < "$WORK/lundo.err"
holds la b3 00 0; [ $? -ne 0 ]; ok $? "the guest no longer holds the function"
pp hist2 history --json
[ "$(jq -r '[.[-2:][] | "\(.action) \(.state) \(.undone)"] | join(",")' "$WORK/hist2.out")" = "attach done true,undo done false" ]
ok $? "the journal: the attach recorded as made (and undone), the undo done" || diag < "$WORK/hist2.out"

# ---- 3: one lock per user, whatever XDG_RUNTIME_DIR says ----
# without XDG_RUNTIME_DIR, libvirt would look for (and start) another session daemon: the socket
# of this one, named
SOCKURI="qemu+unix:///session?socket=$SESSION/run/libvirt/libvirt-sock"
session_define lb x86_64
# ppx NAME ENV... -- ARGS: pcipass in the background with the environment changed by env(1)
ppx() {
    _n=$1; shift
    _e=""; while [ "$1" != "--" ]; do _e="$_e $1"; shift; done; shift
    # shellcheck disable=SC2086
    as_session_bg env $_e "$PCIPASS" -c qemu:///session --sysfs-root "$X86" --proc-root "$X86-proc" \
        --journal "$J" "$@" > "$WORK/$_n.out" 2> "$WORK/$_n.err"
}
# one pcipass (XDG_RUNTIME_DIR set) inside a change, held there by the daemon stopped under it: a
# second one of the same user without XDG_RUNTIME_DIR must see its lock
held=0 try=0
while [ $held -eq 0 ] && [ $try -lt 4 ]; do
    try=$((try + 1))
    before=$(jsize)
    ppx xa PCIPASS_LIBVIRT_TIMEOUT=4 -- attach la 0000:b3:00.0 --config; pa=$!
    perl -e 'my ($j, $b, $p) = @ARGV; my $t = time + 20;
             while (time < $t) { if ((-s $j // 0) > $b) { kill "STOP", $p; exit 0 } } exit 1' \
        "$J" "$before" "$(cat "$DPIDF")"
    # (the lock is the host's, whatever the URI: libvirt's test driver answers while the daemon
    # is stopped)
    as_session env -u XDG_RUNTIME_DIR "$PCIPASS" -c test:///default --sysfs-root "$X86" \
        --proc-root "$X86-proc" --journal "$J" attach test 0000:b3:00.0 --config --no-wait \
        > "$WORK/xb.out" 2> "$WORK/xb.err"
    echo $? > "$WORK/xb.rc"
    wait $pa
    resume
    # it counts where the first one was still inside its change (its answer lost to keepalive)
    grep -q keepalive "$WORK/xa.err" && held=1
    pp xres undo
    holds la b3 00 0 && pp xd detach la 0000:b3:00.0
done
[ "$(rc xb)" = 1 ] && err_has xb "is making a change on this host; nothing was sent"
ok $? "without XDG_RUNTIME_DIR, the same user's change in progress holds the one lock" || { diag < "$WORK/xb.err"; diag < "$WORK/xa.err"; }
holds la b3 00 0; [ $? -ne 0 ]; ok $? "(the unknown change resolved, the guest holds nothing)"
# another user's file where the old lock was, held: blocks nothing
touch /tmp/pcipass-$SESSION_UID.lock && chown 65533:65533 /tmp/pcipass-$SESSION_UID.lock
setpriv --reuid=65533 --regid=65533 --clear-groups flock /tmp/pcipass-$SESSION_UID.lock sleep 4 &
squat=$!
sleep 0.3
as_session env -u XDG_RUNTIME_DIR "$PCIPASS" -c "$SOCKURI" --inventory sysfs --sysfs-root "$X86" --proc-root "$X86-proc" \
    --journal "$J" attach la 0000:b3:00.0 --config --no-wait > "$WORK/sq.out" 2> "$WORK/sq.err"
echo $? > "$WORK/sq.rc"
[ "$(rc sq)" = 0 ] && holds la b3 00 0
ok $? "another user's lock file in /tmp blocks no change" || { rc sq | diag; diag < "$WORK/sq.err"; }
kill $squat 2>/dev/null; wait $squat 2>/dev/null; rm -f /tmp/pcipass-$SESSION_UID.lock
pp sqd detach la 0000:b3:00.0
# a home others may write: nobody else may take or block the lock in it
mkdir -p "$WORK/wwhome" && chown $SESSION_UID "$WORK/wwhome" && chmod 777 "$WORK/wwhome"
as_session env HOME="$WORK/wwhome" "$PCIPASS" -c qemu:///session --sysfs-root "$X86" --proc-root "$X86-proc" \
    --journal "$J" attach la 0000:b3:00.0 --config > "$WORK/ww.out" 2> "$WORK/ww.err"
[ $? -eq 1 ] && err_has ww "lock: '$WORK/wwhome' is not a directory of this user that only it may write"
ok $? "a home directory writable by others holds no lock: refused"
holds la b3 00 0; [ $? -ne 0 ]; ok $? "and nothing was sent"

# ---- 7: undo --dry-run writes nothing, the journal included ----
pp da attach la 0000:b3:00.0 --config
# the outcome cut off: the change is unknown, as of a process killed after its intent
sz=$(wc -c < "$J")
last=$(grep -c '^#pcipass-journal' "$J")
awk -v n="$last" '/^#pcipass-journal/ { k++ } k < n' "$J" > "$WORK/j.cut" && cat "$WORK/j.cut" > "$J"
cp "$J" "$WORK/j.before"
config_of la > "$WORK/la.before"
pp dry undo --dry-run
[ "$(rc dry)" = 0 ] && out_has dry "dry run"; ok $? "undo --dry-run of an unknown change says what undo would do" ||
    diag < "$WORK/dry.err"
cmp -s "$J" "$WORK/j.before"; ok $? "and writes nothing to the journal"
config_of la | cmp -s - "$WORK/la.before"; ok $? "nor to the guest (its identity metadata untouched)"
pp hd history --json
[ "$(jq -r '.[-1].state' "$WORK/hd.out")" = unknown ]; ok $? "the change is still unknown"
pp dreal undo
[ "$(rc dreal)" = 0 ] && ! holds la b3 00 0; ok $? "the real undo resolves and reverts it" || diag < "$WORK/dreal.err"

# ---- 1: a 32-bit PCI domain through the real driver, detach and undo ----
pp d32 attach la 10000:d8:00.0 --config --force
config_of la | grep -q "<address domain='0x10000' bus='0xd8' slot='0x00' function='0x0'/>"
ok $? "attach of 10000:d8:00.0 (the host does not show it: --force) sends domain 0x10000" ||
    diag < "$WORK/d32.err"
pp d32d detach la 10000:d8:00.0 --config
[ "$(rc d32d)" = 0 ] && ! config_of la | grep -q "bus='0xd8'"; ok $? "detach of 10000:d8:00.0 takes it out" ||
    diag < "$WORK/d32d.err"
pp d32u undo --force
config_of la | grep -q "<address domain='0x10000' bus='0xd8' slot='0x00' function='0x0'/>" &&
    ! config_of la | grep -q "domain='0x0000' bus='0xd8'"
ok $? "undo puts back domain 0x10000, not 0x0000" || diag < "$WORK/d32u.err"
pp d32c detach la 10000:d8:00.0 --config

done_testing
