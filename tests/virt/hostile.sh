#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile names and a stuck daemon, on the real QEMU driver of a private qemu:///session: guests
# renamed (virsh domrename) and described (virsh desc) with control bytes, C1 controls, bidi
# controls and a CR+LF; every text output checked byte by byte, every JSON output validated; one
# guest whose XML libxml2 cannot parse strictly beside the others; the console on the same guests
# (capture-pane -e); the daemon stopped (SIGSTOP) under the CLI and the console.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"
. "$srcdir/tests/lib/tmux.sh"

session_start jq perl tmux
resume() { kill -CONT "$(cat "$SESSION/run/libvirt/libvirtd.pid" 2>/dev/null)" 2>/dev/null; }
trap 'resume; tui_stop; session_stop; cleanup_work' EXIT
X86=$(fake_root x86-server)
# a driver name that is no UTF-8 and holds an ESC (the kernel allows any bytes but '/')
BADDRV=$(printf 'drv-\377\033[7m')
mkdir -p "$X86/bus/pci/drivers/$BADDRV"
ln -sfn "../../../bus/pci/drivers/$BADDRV" "$X86/devices/pci0000:b3/0000:b3:00.0/driver"
chmod -R a+rX "$WORK/roots"
pp() { run_session "$@"; }
raw_ok() { # NAME...: stdout and stderr of each run hold no raw control, C1, bidi or bad UTF-8
    _f=""
    for _n in "$@"; do _f="$_f $WORK/$_n.out $WORK/$_n.err"; done
    # shellcheck disable=SC2086
    perl "$top_srcdir/tests/lib/rawcheck.pl" $_f > "$WORK/raw.diag" 2>&1
    _r=$?
    [ $_r -eq 0 ] || diag < "$WORK/raw.diag"
    return $_r
}

# Each hostile guest first gets a function under a plain name, then its hostile name: LABEL OCTAL
# FUNCTION ("-" for none)
set -- BEL '\007' 0000:17:02.1  BS '\010' -  SO '\016' -  SI '\017' -  CAN '\030' - \
    CR '\015' 0000:17:02.2  ESC '\033[31m' 0000:17:02.3  DEL '\177' 0000:17:00.1 \
    CSI '\302\23331m' 0000:00:14.0  RLO '\342\200\256' 0000:17:02.0  LRI '\342\201\246' -
names=""
while [ $# -gt 0 ]; do
    session_define "g$1" x86_64
    if [ "$3" != - ]; then pp "at$1" --sysfs-root "$X86" attach "g$1" "$3" --config --force; fi
    # shellcheck disable=SC2059
    virsh_s domrename "g$1" "$(printf "n-$2-$1")" || echo "# domrename $1 failed"
    names="$names $1"
    shift 3
done
# a name with CR+LF followed by what looks like an owners row
session_define forge x86_64
pp atforge --sysfs-root "$X86" attach forge 0000:b3:00.0 --config --force
FORGED=$(printf 'v\r\n0000:00:00.0 zz  C')
virsh_s domrename forge "$FORGED"
# a plain guest, and one whose description holds an ESC: libvirt writes it raw into the XML
session_define plain x86_64
session_define described x86_64
pp atdesc --sysfs-root "$X86" attach described 0000:65:00.0 --whole-group --config --force
virsh_s desc described --config "$(printf 'desc \033]0;pwned\007 \033[2J end')"
virsh_s dumpxml --inactive described | grep -q "$(printf '\033')"
ok $? "libvirt keeps the description's ESC raw in the domain XML (not well-formed XML)"
[ "$(virsh_s list --all --name | grep -c .)" -ge 14 ]; ok $? "14 guests defined on the private session"

# ---- every text output, byte by byte ----
pp guests guests
pp owners owners
pp list --sysfs-root "$X86" list
pp history history
pp check --sysfs-root "$X86" check 0000:17:02.1 0000:65:00.0
pp audit --sysfs-root "$X86" audit
pp nosuch --sysfs-root "$X86" attach nosuch 0000:17:02.1 --dry-run
pp dry --sysfs-root "$X86" attach "$(printf 'n-\007-BEL')" 0000:17:02.1 --dry-run
raw_ok guests owners list history check audit nosuch dry
ok $? "guests, owners, list, history, check, audit and errors: no raw control, C1, bidi or bad UTF-8"
[ "$(rc guests)" = 0 ] && [ "$(rc owners)" = 0 ] && [ "$(rc list)" = 0 ]
ok $? "one guest with a broken definition fails none of guests, owners, list"
out_has guests 'n-\x07-BEL' && out_has guests 'n-\x08-BS' && out_has guests 'n-\x0e-SO' &&
    out_has guests 'n-\x0f-SI' && out_has guests 'n-\x18-CAN' && out_has guests 'n-\x0d-CR' &&
    out_has guests 'n-\x1b[31m-ESC' && out_has guests 'n-\x7f-DEL' && out_has guests 'n-\u009b31m-CSI' &&
    out_has guests 'n-\u202e-RLO' && out_has guests 'n-\u2066-LRI'
ok $? "guests: each name escaped as virsh escapes: \\xNN for C0 and DEL, \\uNNNN for C1 and bidi"
out_has owners 'v\x0d\x0a0000:00:00.0 zz  C' && ! grep -q '^0000:00:00.0' "$WORK/owners.out"
ok $? "owners: the CR+LF name stays on its row, no forged row"
pp oj owners --json
[ "$(grep -c '^0000:' "$WORK/owners.out")" -eq "$(jq length "$WORK/oj.out")" ]
ok $? "owners: as many rows as JSON owners"
# the columns line up: every row's second column starts where the heading's does
awk 'NR == 1 { c = index($0, "GUEST") }
    NR > 1 && /^0000:/ { if (substr($0, c - 2, 2) != "  " || substr($0, c, 1) == " ") bad = 1 }
    END { exit bad }' "$WORK/owners.out"
ok $? "owners: table widths count the escaped form (columns in line)"
out_has list 'drv-\xff\x1b[7m'; ok $? "list: a sysfs driver name of bad bytes and ESC, escaped"
err_has nosuch 'n-\x07-BEL' && err_has nosuch 'n-\u202e-RLO'
ok $? "the guest list of an error message is escaped"
err_has guests "warning: guest 'described': its definition is not well-formed XML"
ok $? "the guest with the broken definition is named in a warning"
err_has guests "warning: guest 'n-\\x1b[31m-ESC'"; ok $? "a name holding an ESC breaks the XML too: named, escaped"
grep -q "^described " "$WORK/guests.out"; ok $? "and it is listed"
grep -q '^0000:65:00.0 .*described' "$WORK/owners.out"; ok $? "what could be read of it is shown (its GPU)"

# ---- JSON: valid, UTF-8, names unchanged ----
pp gj guests --json
pp lj --sysfs-root "$X86" list --json
pp hj history --json
pp cj --sysfs-root "$X86" check --json 0000:17:02.1
pp aj --sysfs-root "$X86" audit --json
for n in gj oj lj hj cj aj; do
    jq -e . "$WORK/$n.out" > /dev/null || { echo "# $n.out is not JSON"; false; } || break
done
ok $? "guests, owners, list, history, check and audit --json parse as JSON"
raw_ok gj oj lj hj cj aj; ok $? "the JSON texts hold no raw controls and are valid UTF-8"
jq -r '.[].name' "$WORK/gj.out" > "$WORK/gj.names"
for want in "$(printf 'n-\007-BEL')" "$(printf 'n-\033[31m-ESC')" "$(printf 'n-\302\23331m-CSI')" \
    "$(printf 'n-\342\200\256-RLO')" "$(printf 'n-\177-DEL')"; do
    grep -qxF -- "$want" "$WORK/gj.names" || { echo "# missing: $want" | od -c | diag; false; } || break
done
ok $? "guests --json: names byte for byte as libvirt has them"
forged_at=$(jq -r '.[] | select(.owners[].guest == "v\r\n0000:00:00.0 zz  C") | .address' \
    "$WORK/oj.out")
[ "$forged_at" = "0000:b3:00.0" ]
ok $? "owners --json: the CR+LF name unchanged, JSON-escaped"
drv=$(jq -r '.[] | select(.address == "0000:b3:00.0") | .driver' "$WORK/lj.out")
[ "$drv" = 'drv-\xff'"$(printf '\033')"'[7m' ]
ok $? "list --json: the byte that is no UTF-8 as the text \\xff, the ESC as \\u001b (README)"
[ "$(jq -r '.[] | select(.address == "0000:65:00.0") | .owners[].guest' "$WORK/lj.out")" = described ]
ok $? "list --json: the owner with the broken definition is not dropped"

# ---- the broken guest: holdings unknown, the others unaffected ----
out_has check "0000:65:00.0" && ! grep -q "ready to assign" "$WORK/check.out"
ok $? "check DEVICE: no function is 'ready' while a guest's holdings are unknown"
out_has check "owners are incomplete: guest 'described'"; ok $? "check says the owners are incomplete"
grep -q "whether guest 'described' holds 0000:17:02.1 is unknown" "$WORK/check.out"
ok $? "check DEVICE names the guest whose holdings are unknown"
pp ap --sysfs-root "$X86" attach plain 0000:17:02.1 --config
[ "$(rc ap)" = 1 ] && err_has ap "whether guest 'described' holds 0000:17:02.1 is unknown"
ok $? "attach: refused while a guest's holdings are unknown, with the reason"
pp ap2 --sysfs-root "$X86" attach plain 0000:00:17.0 --config --force
[ "$(rc ap2)" = 0 ]; ok $? "attach --force to a normal guest works beside the broken one"
pp dp --sysfs-root "$X86" detach plain 0000:00:17.0 --config
[ "$(rc dp)" = 0 ]; ok $? "detach works beside the broken one"
pp up --sysfs-root "$X86" undo
[ "$(rc up)" = 1 ] && err_has up "whether guest 'described' holds 0000:00:17.0 is unknown"
ok $? "undo (an attach again) goes through the same guard"
pp up2 --sysfs-root "$X86" undo --force
[ "$(rc up2)" = 0 ]; ok $? "undo --force works beside the broken one"
raw_ok ap ap2 dp up up2; ok $? "their output escaped too"

# ---- empty root options ----
for opt in --sysfs-root --proc-root --dev-root --boot-root --conf-root --journal; do
    run_cmd "empty$opt" "$opt" '' list
    [ "$(rc "empty$opt")" = 2 ] && err_has "empty$opt" "$opt: empty" || break
done
ok $? "an empty root option is a usage error naming the option"

# ---- the console on the same guests ----
TUI_WRAP="setpriv --reuid=$SESSION_UID --regid=$SESSION_UID --clear-groups env -i"
TUI_WRAP="$TUI_WRAP PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$SESSION XDG_RUNTIME_DIR=$SESSION/run"
TUI_WRAP="$TUI_WRAP XDG_CONFIG_HOME=$SESSION/.config XDG_CACHE_HOME=$SESSION/.cache"
TUI_WRAP="$TUI_WRAP PCIPASS_JOURNAL=$SESSION/journal PCIPASS_LIBVIRT_TIMEOUT=4 LC_ALL=C.UTF-8"
TUI_WRAP="$TUI_WRAP TERM=tmux-256color"
tui_start 160 50 --dev-root "$X86-dev" --sysfs-root "$X86" -c qemu:///session
wait_for "Setup checklist" 20
screen | grep -qF "owners are incomplete: guest 'described'"
ok $? "the console's checklist says the owners are incomplete"
keys Escape
wait_for "Host PCI functions"; ok $? "the console opens on the hostile guests"
screen | grep -qF "guest 'described' and 1 more: definitions not well-formed XML"
ok $? "its status line names the guests whose holdings are unknown"
keys o; wait_for "Who owns what"
tmx capture-pane -e -p -t t > "$WORK/tui-owners.cap"
screen > "$WORK/tui-owners.txt"
grep -qF 'n-\x07-BEL' "$WORK/tui-owners.txt" && grep -qF 'n-\u202e-RLO' "$WORK/tui-owners.txt" &&
    grep -qF 'v\x0d\x0a0000:00:00' "$WORK/tui-owners.txt"
ok $? "the owners view shows the names escaped"
# what tmux captured with its own colour escapes: nothing but SGR sequences, no bidi, no C1
perl -ne 's/\e\[[0-9;:]*m//g;
    exit 1 if /[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]/' \
    "$WORK/tui-owners.cap"
ok $? "capture-pane -e: only the console's own colour sequences reach the terminal"
keys Escape; wait_for "Host PCI functions"
screen | grep -q "described"; ok $? "the function list shows the broken guest's holding"

# ---- a stopped daemon under the console ----
DPID=$(cat "$SESSION/run/libvirt/libvirtd.pid")
kill -STOP "$DPID"
keys r
wait_for "Waiting for libvirt: reading guests from qemu:///session" 10
ok $? "r with the daemon stopped: the status line says what the console waits for"
wait_for "s). Esc: stop waiting" 5 && sleep 1.2 && screen | grep -q "qemu:///session ([1-9][0-9]* s)"
ok $? "and for how long"
keys Escape; wait_for "stopped waiting for libvirt" 5
ok $? "Esc stops waiting; the console answers again"
screen | grep -q "described"; ok $? "the list read before stays"
keys r; wait_for "Waiting for libvirt" 5
pid=$(pgrep -P "$(tmx display -p -t t '#{pane_pid}')" -f pcipass | head -1)
[ -n "$pid" ] || pid=$(pgrep -f "pcipass --dev-root $X86-dev" | head -1)
kill -TERM "$pid"; wait_for "EXITED" 5
screen | grep -q "EXITED 143 icanon echo"
ok $? "SIGTERM while libvirt does not answer: exit 143, terminal restored"
[ "$(tmx display -p -t t '#{alternate_on} #{cursor_flag}')" = "0 1" ]
ok $? "no alternate screen, the cursor visible"

# a fresh console with its connection open, the daemon stopped under it, r not cancelled: keepalive
# gives up after about PCIPASS_LIBVIRT_TIMEOUT (4 s) and the status line says so
kill -CONT "$DPID"
tui_start 160 50 --dev-root "$X86-dev" --sysfs-root "$X86" -c qemu:///session
wait_for "Setup checklist" 20 > /dev/null; keys Escape; wait_for "Host PCI functions" > /dev/null
kill -STOP "$DPID"
keys r
wait_for "Waiting for libvirt" 5 > /dev/null
wait_for "keepalive" 20
ok $? "the daemon stopped under an open connection: keepalive ends the wait, the status line says so"
screen | grep -q "r: reconnect"; ok $? "and offers r"
keys q; wait_for "EXITED" 5
screen | grep -q "EXITED 0 icanon echo"; ok $? "q then leaves normally"

# a libvirt call in the console's own thread (u: the undo reads the guests through a writable
# connection) that never returns: SIGINT (what Ctrl-C sends) still ends it, the terminal restored
kill -CONT "$DPID"
as_session env PCIPASS_JOURNAL="$SESSION/journal" "$PCIPASS" -c qemu:///session --sysfs-root "$X86" \
    detach plain 0000:00:17.0 --config > "$WORK/cdet.out" 2>&1
ok $? "a detach in the console's journal, for u to undo"
tui_start 160 50 --dev-root "$X86-dev" --sysfs-root "$X86" -c qemu:///session
wait_for "Setup checklist" 20 > /dev/null; keys Escape; wait_for "Host PCI functions" > /dev/null
kill -STOP "$DPID"
keys u
sleep 2
! screen | grep -q "EXITED"; ok $? "u with the daemon stopped: the call waits"
pid=$(pgrep -P "$(tmx display -p -t t '#{pane_pid}')" pcipass)
kill -INT "$pid"; wait_for "EXITED" 5
screen | grep -q "EXITED 130 icanon echo" &&
    [ "$(tmx display -p -t t '#{alternate_on} #{cursor_flag}')" = "0 1" ]
ok $? "SIGINT inside that call: exit 130, main screen, cursor visible, line mode and echo back"

# ---- a stopped daemon under the CLI ----
start=$(date +%s)
as_session env PCIPASS_LIBVIRT_TIMEOUT=3 "$PCIPASS" -c qemu:///session guests \
    > "$WORK/stop.out" 2> "$WORK/stop.err"
echo $? > "$WORK/stop.rc"
took=$(( $(date +%s) - start ))
[ "$(rc stop)" = 1 ] && [ "$took" -lt 20 ] && err_has stop "did not answer within 3 s"
ok $? "CLI with the daemon stopped: a bounded wait (${took} s), exit 1, the reason said"
as_session_bg "$PCIPASS" -c qemu:///session owners
bg=$!
sleep 1
kill -TERM "$bg"
i=0; while kill -0 "$bg" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
! kill -0 "$bg" 2>/dev/null; ok $? "CLI waiting on the stopped daemon: SIGTERM ends it at once"
kill -CONT "$DPID"
pp after guests; [ "$(rc after)" = 0 ]; ok $? "the daemon resumed: the CLI reads guests again"

done_testing
