#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The scale benchmark: pcipass against `lspci -k` on the same fake host, as ratios, never as a timed
# test. `make bench` runs it with the built binary.
#
#   bench.sh [PCIPASS]
#
# Lays out (once, cached in $BENCH_DIR) a sysfs root of 4096 functions (256 SR-IOV PFs x 15 VFs,
# each function its own IOMMU group) and a libvirt test-driver host of 200 guests holding 600 of
# them (tests/bench/gen-host.sh), then runs, interleaved after a warm-up,
#     pcipass -c test:///HOST.xml --sysfs-root ROOT list --json
#     lspci -D -nn -k -O sysfs.path=ROOT/bus/pci
# BENCH_ROUNDS times each and prints the medians of wall time, CPU time and peak RSS, and their
# ratios; then the console, a remote host through a daemon (time and libvirt round trips), the
# journal, and tests/bench/shapes.sh: the hosts of other shapes drawn from a seed (printed), each
# shape's ratios, and the slope at 1k, 2k and 4k functions.
#
# Environment: BENCH_ROUNDS (7), BENCH_DIR (./bench-host), BENCH_PFS (256), BENCH_GUESTS (200),
# BENCH_STRICT=1 to exit 1 when a target is missed, and shapes.sh's (BENCH_SEED, BENCH_SHAPES,
# BENCH_SLOPE; BENCH_SHAPES="" skips them). Needs lspci and GNU time (/usr/bin/time).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
PCIPASS=${1:-${PCIPASS:-pcipass}}
ROUNDS=${BENCH_ROUNDS:-7}
DIR=${BENCH_DIR:-./bench-host}
PFS=${BENCH_PFS:-256}
GUESTS=${BENCH_GUESTS:-200}
LSPCI=${LSPCI:-$(command -v lspci || echo /usr/bin/lspci)}
GNUTIME=${GNUTIME:-/usr/bin/time}
RATIO_MAX=0.8
REMOTE_MAX_MS=800
RSS_MAX_MIB=32

for t in "$LSPCI" "$GNUTIME"; do
    [ -x "$t" ] || { echo "bench: $t not found (tests/install-deps.sh installs it)" >&2; exit 77; }
done
[ -x "$PCIPASS" ] || PCIPASS=$(command -v "$PCIPASS") || { echo "bench: no pcipass binary" >&2; exit 1; }

# --- the host, laid out once: kept while the generator and the layout script are unchanged ---
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
sh "$here/gen-host.sh" "$DIR/host.hw.new" "$DIR/guests.xml" "$PFS" "$GUESTS"
cat "$DIR/host.hw.new" "$top_srcdir/tests/lib/mkfakesys.sh" > "$DIR/stamp.new"
if [ ! -d "$DIR/root" ] || ! cmp -s "$DIR/stamp.new" "$DIR/stamp" 2>/dev/null; then
    echo "bench: laying out $(grep -c '^fn ' "$DIR/host.hw.new") functions in $DIR/root ..." >&2
    rm -rf "$DIR/root"
    sh "$top_srcdir/tests/lib/mkfakesys.sh" "$DIR/host.hw.new" "$DIR/root"
    mv "$DIR/stamp.new" "$DIR/stamp"
fi
rm -f "$DIR/stamp.new"
mv "$DIR/host.hw.new" "$DIR/host.hw"
ROOT=$DIR/root
URI="test://$DIR/guests.xml"
nfn=$(grep -c '^fn ' "$DIR/host.hw")

export LC_ALL=C.UTF-8 LANGUAGE=
unset LIBVIRT_DEFAULT_URI
export HOME="$DIR"   # libvirt would write its caches under the tester's home

# the two commands compared (measure() below runs the same ones under GNU time); lspci warns that it
# has no kmod resources on a fake root, which costs it nothing
run_pcipass() { "$PCIPASS" -c "$URI" --sysfs-root "$ROOT" list --json; }
run_lspci() { "$LSPCI" -D -nn -k -O "sysfs.path=$ROOT/bus/pci" 2>/dev/null; }

now_ns() { date +%s%N; }

# measure NAME: one run of run_NAME under GNU time; appends its wall time (ns), peak RSS (KiB) and
# CPU time (ms) to $DIR/NAME.wall, $DIR/NAME.rss and $DIR/NAME.cpu
measure() {
    case $1 in
        pcipass) set -- "$1" "$PCIPASS" -c "$URI" --sysfs-root "$ROOT" list --json ;;
        lspci) set -- "$1" "$LSPCI" -D -nn -k -O "sysfs.path=$ROOT/bus/pci" ;;
        virsh) set -- "$1" virsh -q -c "$URI" list --all ;;
    esac
    _n=$1; shift
    _t0=$(now_ns)
    "$GNUTIME" -f "%M %U %S" -o "$DIR/$_n.rss1" "$@" > "$DIR/$_n.out" 2> "$DIR/$_n.err"
    _t1=$(now_ns)
    echo $((_t1 - _t0)) >> "$DIR/$_n.wall"
    awk '{ print $1 }' "$DIR/$_n.rss1" >> "$DIR/$_n.rss"
    awk '{ printf "%d\n", ($2 + $3) * 1000 }' "$DIR/$_n.rss1" >> "$DIR/$_n.cpu"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# --- sanity: both saw the whole host, and pcipass saw the owners ---
run_pcipass > "$DIR/pcipass.check" 2> "$DIR/pcipass.err" || { cat "$DIR/pcipass.err" >&2; exit 1; }
n=$(grep -c '^    "address":' "$DIR/pcipass.check" || true)
owned=$(grep -c '"guest":' "$DIR/pcipass.check" || true)
[ "$n" -eq "$nfn" ] || { echo "bench: pcipass listed $n of $nfn functions" >&2; exit 1; }
[ "$owned" -eq $((GUESTS * 3)) ] || { echo "bench: pcipass found $owned owners, expected $((GUESTS * 3))" >&2; exit 1; }
n=$(run_lspci | grep -c '^[0-9a-f]\{4\}:' || true)
[ "$n" -eq "$nfn" ] || { echo "bench: lspci listed $n of $nfn functions" >&2; exit 1; }

# --- interleaved rounds after a warm-up of each ---
rm -f "$DIR"/pcipass.wall "$DIR"/pcipass.rss "$DIR"/pcipass.cpu "$DIR"/lspci.wall "$DIR"/lspci.rss "$DIR"/lspci.cpu
measure pcipass; measure lspci
rm -f "$DIR"/pcipass.wall "$DIR"/pcipass.rss "$DIR"/pcipass.cpu "$DIR"/lspci.wall "$DIR"/lspci.rss "$DIR"/lspci.cpu
i=0
while [ $i -lt "$ROUNDS" ]; do
    measure pcipass
    measure lspci
    i=$((i + 1))
done
pw=$(median "$DIR/pcipass.wall") lw=$(median "$DIR/lspci.wall")
pr=$(median "$DIR/pcipass.rss") lr=$(median "$DIR/lspci.rss")
pc=$(median "$DIR/pcipass.cpu") lc=$(median "$DIR/lspci.cpu")
# the medians of the rounds' own ratios: a busy machine slows both runs of a round alike
round_ratio() { paste -d' ' "$DIR/pcipass.$1" "$DIR/lspci.$1" | awk '{ printf "%.4f\n", $1 / $2 }' > "$DIR/ratio.$1"; median "$DIR/ratio.$1"; }
rw=$(round_ratio wall) rc=$(round_ratio cpu)
# the memory target: no more than `virsh list --all` on the same guests (the same libvirt in the
# same process shape, without pcipass's 4096 functions)
vr=""
if command -v virsh > /dev/null; then
    rm -f "$DIR"/virsh.wall "$DIR"/virsh.rss "$DIR"/virsh.cpu
    i=0
    while [ $i -lt "$ROUNDS" ]; do measure virsh; i=$((i + 1)); done
    vr=$(median "$DIR/virsh.rss")
fi

# --- the TUI: time to first full screen, and one cursor move ---
tui_first_ms="" tui_move_ms="" tui_note="" tui_pane_ms=""
# The console in tmux (as its tests drive it). First screen: from start until the list and its
# footer are on screen; its budget is the list's (0.8x lspci) plus what the terminal alone takes
# (tmux's start and the polling of its screen, measured with a pane that prints the footer). Cursor
# move: N moves then '?' (keys are handled in order, so the help screen
# appears only after every move), minus the same with no moves, over N; on the big host and on the
# 21-function demo host, since a move must cost the same on both.
now_ms() { date +%s%3N; }
tui_footer_ms() { # CMD: runs CMD in a pane of a private tmux server, ms until the footer shows
    tmux -S "$DIR/tmux.sock" kill-server 2>/dev/null || true
    _t0=$(now_ms)
    tmux -S "$DIR/tmux.sock" -f /dev/null new-session -d -s b -x 120 -y 40 "$1"
    # a machine whose setup check fails opens the checklist first: Esc goes on to the list
    until tmux -S "$DIR/tmux.sock" capture-pane -p -t b 2>/dev/null > "$DIR/tui.screen" &&
            grep -q "F1:help q:quit" "$DIR/tui.screen" && ! grep -q "Setup checklist" "$DIR/tui.screen"; do
        [ $(( $(now_ms) - _t0 )) -lt 20000 ] || { echo "bench: the console showed no function list" >&2; return 1; }
        grep -q "Setup checklist" "$DIR/tui.screen" && tmux -S "$DIR/tmux.sock" send-keys -t b Escape
        sleep 0.005
    done
    echo $(( $(now_ms) - _t0 ))
}
tui_session() { # ROOT URI: the console's first screen
    tui_footer_ms "env TERM=tmux-256color $PCIPASS -c $2 --sysfs-root $1 --dev-root $DIR/dev"
}
tui_terminal_ms() { # the terminal alone: a pane that only prints the console's footer, watched alike
    tui_footer_ms "printf ' F1:help q:quit'; exec sleep 60"
}
tui_keys_ms() { # N: ms until the help screen shows after N cursor moves and '?'
    _keys=""; _i=0; while [ $_i -lt "$1" ]; do _keys="$_keys j k"; _i=$((_i + 2)); done
    _t0=$(now_ms)
    # shellcheck disable=SC2086
    tmux -S "$DIR/tmux.sock" send-keys -t b $_keys '?'
    until tmux -S "$DIR/tmux.sock" capture-pane -p -t b | grep -q "Help: keys"; do sleep 0.002; done
    _t=$(( $(now_ms) - _t0 ))
    tmux -S "$DIR/tmux.sock" send-keys -t b Escape
    until tmux -S "$DIR/tmux.sock" capture-pane -p -t b | grep -q "Host PCI functions"; do sleep 0.002; done
    echo "$_t"
}
tui_move_cost() { # ROOT URI -> microseconds per cursor move (median of 5)
    tui_session "$1" "$2" > /dev/null || return 1
    _r=""
    for _i in 1 2 3 4 5; do
        _b=$(tui_keys_ms 0); _m=$(tui_keys_ms 400)
        _r="$_r $(( (_m - _b) * 1000 / 400 ))"
    done
    tmux -S "$DIR/tmux.sock" kill-server 2>/dev/null || true
    echo $_r | tr ' ' '\n' | sort -n | sed -n 3p
}
bench_tui() {
    # the fake host's own /dev/vfio: the console opens on its list, not on the setup checklist
    mkdir -p "$DIR/dev/vfio" && : > "$DIR/dev/vfio/vfio"
    if ! command -v tmux > /dev/null; then
        tui_note="skipped: tmux is not installed"
        return 0
    fi
    # interleaved with what the terminal alone costs: a pane that prints the footer at once (its
    # start-up and the polling of the screen), which the budget adds to 0.8x lspci
    _f="" _p=""
    for _i in 1 2 3 4 5; do
        _f="$_f $(tui_session "$ROOT" "$URI")"
        _p="$_p $(tui_terminal_ms)"
    done
    tmux -S "$DIR/tmux.sock" kill-server 2>/dev/null || true
    tui_first_ms=$(echo $_f | tr ' ' '\n' | sort -n | sed -n 3p)
    tui_pane_ms=$(echo $_p | tr ' ' '\n' | sort -n | sed -n 3p)
    big=$(tui_move_cost "$ROOT" "$URI")
    sh "$top_srcdir/tests/lib/mkfakesys.sh" "$top_srcdir/data/demo/x86-server.hw" "$DIR/small.$$"
    small=$(tui_move_cost "$DIR/small.$$" "test://$top_srcdir/data/demo/guests.xml")
    rm -rf "$DIR/small.$$"
    tui_move_ms="$big us (4096 functions) / $small us (21 functions)"
}
bench_tui

# --- a remote host: the same functions as libvirt node devices, the same guests, served by an
# unprivileged libvirtd over its socket (test+unix:///FILE?socket=...) ---
remote_note="" remote_ms="" remote_calls="" remote_open_ms=""
. "$here/daemon.sh"
bench_remote() {
    RD="$DIR/remote"
    rm -rf "$RD"; mkdir -p "$RD"
    sh "$here/gen-nodedevs.sh" "$DIR/host.hw" "$DIR/guests.xml" "$RD/host.xml"
    chmod 755 "$DIR"; chmod 644 "$RD/host.xml"
    daemon_start "$RD" || { remote_note=$DAEMON_NOTE; return 0; }
    _ruri=$(daemon_uri "$RD/host.xml")
    as_daemon_user env PCIPASS_STATS=1 "$PCIPASS" -c "$_ruri" list --json > "$RD/out" 2> "$RD/err"
    _n=$(grep -c '^    "address":' "$RD/out" || true)
    if [ "$_n" -ne "$nfn" ]; then
        remote_note="failed: listed $_n of $nfn functions: $(head -c 300 "$RD/err")"
    else
        _re='.* in \([0-9]*\) libvirt calls, [0-9]* guests in \([0-9]*\); \([0-9]*\) in all$'
        remote_calls=$(sed -n "s/$_re/\3 (node devices \1, guests \2)/p" "$RD/err")
        # interleaved with what a connection alone costs there (virsh uri: the open and one
        # call), which for the test driver is its parse of the host file, paid on every open
        _r="" _o=""
        for _i in 1 2 3 4 5; do
            _t0=$(now_ns)
            as_daemon_user "$PCIPASS" -c "$_ruri" list --json > /dev/null 2>&1
            _r="$_r $(( ($(now_ns) - _t0) / 1000000 ))"
            _t0=$(now_ns)
            as_daemon_user virsh -c "$_ruri" uri > /dev/null 2>&1
            _o="$_o $(( ($(now_ns) - _t0) / 1000000 ))"
        done
        remote_ms=$(echo $_r | tr ' ' '\n' | sort -n | sed -n 3p)
        remote_open_ms=$(echo $_o | tr ' ' '\n' | sort -n | sed -n 3p)
    fi
    daemon_stop
}
bench_remote

# --- the journal: history reads it in time linear in its size (10 and 100 MiB) ---
journal_note="" j10="" j100=""
journal_ms() { # MIB: median of 3 runs of history --json on a journal of that size
    [ -s "$DIR/journal.$1" ] || "$GEN_JOURNAL" "$DIR/journal.$1" "$1" > /dev/null
    chmod 600 "$DIR/journal.$1"
    _r=""
    for _i in 1 2 3; do
        _t0=$(date +%s%N)
        "$PCIPASS" --journal "$DIR/journal.$1" history --json > /dev/null
        _r="$_r $(( ($(date +%s%N) - _t0) / 1000000 ))"
    done
    echo $_r | tr ' ' '\n' | sort -n | sed -n 2p
}
bench_journal() {
    if [ -z "${GEN_JOURNAL:-}" ] || [ ! -x "$GEN_JOURNAL" ]; then
        journal_note="skipped: no gen-journal (make bench builds it)"
        return 0
    fi
    j10=$(journal_ms 10)
    j100=$(journal_ms 100)
}
bench_journal

# --- report ---
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
awk -v pw="$pw" -v lw="$lw" -v pc="$pc" -v lc="$lc" -v rw="$rw" -v rc="$rc" -v rmaxms="$REMOTE_MAX_MS" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v pr="$pr" -v lr="$lr" -v rmax="$RATIO_MAX" -v mmax="$RSS_MAX_MIB" \
    -v nfn="$nfn" -v pfs="$PFS" -v guests="$GUESTS" -v rounds="$ROUNDS" -v cpu="$cpu" \
    -v ncpu="$(nproc)" -v kernel="$(uname -r)" -v tf="$tui_first_ms" -v tp="$tui_pane_ms" -v tm="$tui_move_ms" \
    -v tn="$tui_note" -v strict="${BENCH_STRICT:-}" -v j10="$j10" -v j100="$j100" \
    -v jn="$journal_note" -v vr="$vr" -v rms="$remote_ms" -v rcalls="$remote_calls" -v rn="$remote_note" -v ropen="$remote_open_ms" '
BEGIN {
    ratio = rw; rss = pr / 1024
    printf "pcipass benchmark: %d functions (%d PFs x 15 VFs), %d guests; median of %d interleaved rounds\n", nfn, pfs, guests, rounds
    printf "machine: %s, %d CPUs, Linux %s; load average now %s\n\n", cpu, ncpu, kernel, load
    printf "%-30s %10s %10s %8s %10s %s\n", "", "pcipass", "lspci -k", "ratio", "target", ""
    printf "%-30s %10.0f %10.0f %8.2f %10s %s\n", "list --json wall time (ms)", pw / 1e6, lw / 1e6, rw, "<= " rmax, rw <= rmax ? "ok" : "MISSED"
    printf "%-30s %10.0f %10.0f %8.2f %10s %s\n", "list --json CPU time (ms)", pc, lc, rc, "<= " rmax, rc <= rmax ? "ok" : "MISSED"
    printf "%-30s %10.1f %10.1f %8.2f %10s %s\n", "peak RSS (MiB)", rss, lr / 1024, pr / lr, "<= " mmax " MiB", rss <= mmax ? "ok" : "MISSED"
    if (vr != "")
        printf "%-30s %10.1f %10s %8.2f %10s %s\n", "peak RSS vs virsh list --all", rss, sprintf("%.1f", vr / 1024), pr / vr, "<= 1.00", pr <= vr ? "ok" : "MISSED"
    if (tf != "") {
        tb = rmax * lw / 1e6 + tp
        printf "%-30s %10s %10s %8s %10s %s\n", "TUI first full screen (ms)", tf, "", "", sprintf("<= %.0f", tb), tf <= tb ? "ok" : "MISSED"
        printf "%-30s %10s %s\n", "TUI: the terminal alone (ms)", tp, sprintf("(budget: %.1f x lspci %.0f + %d)", rmax, lw / 1e6, tp)
        printf "%-30s %s\n", "TUI cursor move, redraw incl.", tm
    }
    else
        printf "%-30s %s\n", "TUI", tn
    if (rms != "")
        printf "%-30s %10s %10s %8s %10s %s\n%-30s %10s\n%-30s %10s %s\n", "remote list --json (ms)", rms, "", "", "<= " rmaxms, rms <= rmaxms ? "ok" : "MISSED", "remote: round trips (libvirt calls)", rcalls, "remote: a connection alone (ms)", ropen, "(virsh uri: the open, in which the test driver parses its host file)"
    else
        printf "%-30s %s\n", "remote", rn
    if (j10 != "")
        printf "%-30s %10s %10s %8.1f %10s\n", "history --json 10/100 MiB (ms)", j10, j100, j100 / j10, "~10 (linear)"
    else
        printf "%-30s %s\n", "journal", jn
    exit (strict != "" && (rw > rmax || rc > rmax || rss > mmax)) ? 1 : 0
}' || legacy_missed=1

# --- the other shapes, from a seed, and the slope ---
echo
if [ -n "${BENCH_SHAPES-x}" ]; then
    BENCH_DIR="$DIR" sh "$here/shapes.sh" "$PCIPASS" || legacy_missed=1
fi
exit "${legacy_missed:-0}"
