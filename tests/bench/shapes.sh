#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The shapes benchmark, as ratios (never a timed test): `list --json` with owners against
# `lspci -D -nn -k` on hosts of each shape that tests/bench/gen-shapes.sh draws from a seed, and
# pcipass's own cost at 1k, 2k and 4k functions (the slope). bench.sh runs it.
#
#   shapes.sh PCIPASS
#
# For each shape: a warm-up, then BENCH_ROUNDS rounds, each running under GNU time pcipass with
# the guests in its own process (libvirt's test driver, in-process: pcipass pays the driver's parse
# of the host file), pcipass with the same guests served by a daemon (tests/bench/daemon.sh: as on
# a real host, where libvirtd holds the guests; the daemon's parse is in pcipass's wall time, not
# in its CPU time), then lspci; the medians of the rounds' ratios of wall time and of CPU time
# (user + system), and the median peak RSS against `virsh list --all` on the same guests. The
# slope: pcipass's median wall and CPU time on the BENCH_SLOPE shape at 1024, 2048 and 4096
# functions (guests 50, 100, 200), as milliseconds per 1000 functions between the sizes: the same
# figure twice is a linear cost.
#
# Environment: BENCH_SEED (drawn from the clock, printed), BENCH_SHAPES ("wide deep s390"),
# BENCH_SLOPE (wide; "" for none), BENCH_ROUNDS (7), BENCH_DIR (./bench-host), BENCH_STRICT=1 to
# exit 1 when a ratio misses its target.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
PCIPASS=$1
ROUNDS=${BENCH_ROUNDS:-7}
DIR=${BENCH_DIR:-./bench-host}
SEED=${BENCH_SEED:-$(( $(date +%s) % 100000 ))}
SHAPES=${BENCH_SHAPES:-wide deep s390}
SLOPE=${BENCH_SLOPE-wide}
LSPCI=${LSPCI:-$(command -v lspci || echo /usr/bin/lspci)}
GNUTIME=${GNUTIME:-/usr/bin/time}
RATIO_MAX=0.80

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
export LC_ALL=C.UTF-8 LANGUAGE=
unset LIBVIRT_DEFAULT_URI
export HOME="$DIR"

# layout SHAPE FUNCTIONS GUESTS: lays the host out in $DIR/SHAPE-FUNCTIONS (kept while the
# description and the layout script are the same) and sets L to that directory
layout() {
    L="$DIR/$1-$2"
    mkdir -p "$L"
    sh "$here/gen-shapes.sh" "$1" "$SEED" "$L/host.hw.new" "$L/guests.xml" "$2" "$3"
    cat "$L/host.hw.new" "$top_srcdir/tests/lib/mkfakesys.sh" > "$L/stamp.new"
    if [ ! -d "$L/root" ] || ! cmp -s "$L/stamp.new" "$L/stamp"; then
        echo "bench: laying out $1, $2 functions, seed $SEED, in $L/root ..." >&2
        rm -rf "$L/root" "$L/root-proc" "$L/root-dev" "$L/root-boot" "$L/root-conf"
        sh "$top_srcdir/tests/lib/mkfakesys.sh" "$L/host.hw.new" "$L/root"
        mv "$L/stamp.new" "$L/stamp"
    fi
    rm -f "$L/stamp.new"
    mv "$L/host.hw.new" "$L/host.hw"
}

now_ns() { date +%s%N; }

# run NAME: one run under GNU time; appends "WALL-NS CPU-MS RSS-KIB" to $L/NAME.t
run() {
    case $1 in
        pcipass) set -- "$1" "$PCIPASS" -c "test://$L/guests.xml" --sysfs-root "$L/root" list --json ;;
        daemon) set -- "$1" "$PCIPASS" -c "$(daemon_uri "$L/guests.xml")" --inventory sysfs \
                --sysfs-root "$L/root" list --json ;;
        lspci) set -- "$1" "$LSPCI" -D -nn -k -O "sysfs.path=$L/root/bus/pci" ;;
        virsh) set -- "$1" virsh -q -c "test://$L/guests.xml" list --all ;;
    esac
    _n=$1; shift
    _t0=$(now_ns)
    "$GNUTIME" -f "%U %S %M" -o "$L/$_n.time" "$@" > "$L/$_n.out" 2> "$L/$_n.err"
    _t1=$(now_ns)
    awk -v w=$((_t1 - _t0)) '{ printf "%d %d %d\n", w, ($1 + $2) * 1000, $3 }' "$L/$_n.time" >> "$L/$_n.t"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$2" '{ print $c }' "$1" | median; }
# ratio WHO C: the median of the rounds' ratios of column C: WHO's run over lspci's run of the round
ratio() { paste -d' ' "$L/$1.t" "$L/lspci.t" | awk -v c="$2" '{ printf "%.4f\n", $c / $(c + 3) }' | median; }

# check FUNCTIONS GUESTS [URI]: both listed every function, pcipass with every owner (through URI
# too when given)
check() {
    for _u in "test://$L/guests.xml" ${3:+"$3"}; do
        "$PCIPASS" -c "$_u" --inventory sysfs --sysfs-root "$L/root" list --json > "$L/check.json" 2> "$L/check.err" ||
            { cat "$L/check.err" >&2; exit 1; }
        _n=$(grep -c '^    "address":' "$L/check.json" || true)
        _o=$(grep -c '"guest":' "$L/check.json" || true)
        [ "$_n" -eq "$1" ] || { echo "bench: pcipass listed $_n of $1 functions in $L ($_u)" >&2; exit 1; }
        [ "$_o" -eq $(($2 * 3)) ] || { echo "bench: pcipass found $_o owners in $L ($_u), expected $(($2 * 3))" >&2; exit 1; }
    done
    _n=$("$LSPCI" -D -nn -k -O "sysfs.path=$L/root/bus/pci" 2> /dev/null | grep -c '^[0-9a-f]\{4\}:' || true)
    [ "$_n" -eq "$1" ] || { echo "bench: lspci listed $_n of $1 functions in $L" >&2; exit 1; }
}

# rounds WHO...: a warm-up of each, then ROUNDS interleaved rounds
rounds() {
    for _w in "$@"; do rm -f "$L/$_w.t"; run "$_w"; rm -f "$L/$_w.t"; done
    _i=0
    while [ "$_i" -lt "$ROUNDS" ]; do
        for _w in "$@"; do run "$_w"; done
        _i=$((_i + 1))
    done
}

. "$here/daemon.sh"
missed=0
echo "shapes (seed $SEED; BENCH_SEED=$SEED repeats them): list --json with owners against lspci -D -nn -k,"
echo "medians of $ROUNDS interleaved rounds' ratios; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-15s %9s  %17s %6s  %17s %6s  %17s %6s\n" shape functions "wall pcipass/lspci" ratio \
    "CPU pcipass/lspci" ratio "RSS pcipass/virsh" ratio
# row LABEL WHO: one line of the table, WHO's runs against lspci's; missed=1 when a target is missed
row() {
    rw=$(ratio "$2" 1) rc=$(ratio "$2" 2)
    pw=$(col "$L/$2.t" 1) lw=$(col "$L/lspci.t" 1)
    pc=$(col "$L/$2.t" 2) lc=$(col "$L/lspci.t" 2)
    pr=$(col "$L/$2.t" 3) vr=$(col "$L/virsh.t" 3)
    awk -v s="$1" -v pw="$pw" -v lw="$lw" -v rw="$rw" -v pc="$pc" -v lc="$lc" -v rc="$rc" \
        -v pr="$pr" -v vr="$vr" -v max="$RATIO_MAX" 'BEGIN {
        printf "%-15s %9d  %8.0f/%-8.0f %6.2f  %8.0f/%-8.0f %6.2f  %8.1f/%-8.1f %6.2f  %s\n", s, 4096,
            pw / 1e6, lw / 1e6, rw, pc, lc, rc, pr / 1024, vr / 1024, pr / vr,
            (rw <= max && rc <= max && pr <= vr) ? "ok" : "MISSED (targets: " max ", " max ", 1.00)"
        exit !(rw <= max && rc <= max && pr <= vr) }' || missed=1
}
for shape in $SHAPES; do
    layout "$shape" 4096 200
    # the daemon (started again for each shape: it leaves 120 s after its last client) reads the
    # host file as nobody
    who="pcipass lspci" duri=""
    chmod 755 "$DIR" "$L"; chmod 644 "$L/guests.xml"
    if daemon_start "$DIR/daemon"; then
        who="pcipass daemon lspci" duri=$(daemon_uri "$L/guests.xml")
    fi
    check 4096 200 "$duri"
    rounds $who
    rm -f "$L/virsh.t"
    _i=0; while [ "$_i" -lt "$ROUNDS" ]; do run virsh; _i=$((_i + 1)); done
    row "$shape in-process" pcipass
    if [ -n "$duri" ]; then
        row "$shape daemon" daemon
    else
        echo "$shape daemon: $DAEMON_NOTE"
    fi
done
daemon_stop

if [ -n "$SLOPE" ]; then
    echo
    echo "slope ($SLOPE, seed $SEED): pcipass list --json, median of $ROUNDS runs; guests grow with the functions"
    printf "%9s %7s %9s %9s  %s\n" functions guests "wall (ms)" "CPU (ms)" "per 1000 functions since the size before"
    prev_n="" prev_w="" prev_c=""
    for n in 1024 2048 4096; do
        g=$((n * 200 / 4096))
        layout "$SLOPE" "$n" "$g"
        check "$n" "$g"
        rounds pcipass
        w=$(col "$L/pcipass.t" 1) c=$(col "$L/pcipass.t" 2)
        awk -v n="$n" -v g="$g" -v w="$w" -v c="$c" -v pn="$prev_n" -v pw="$prev_w" -v pc="$prev_c" 'BEGIN {
            printf "%9d %7d %9.0f %9.0f", n, g, w / 1e6, c
            if (pn != "")
                printf "  %.0f ms wall, %.0f ms CPU", (w - pw) / 1e6 / (n - pn) * 1000, (c - pc) / (n - pn) * 1000
            printf "\n" }'
        prev_n=$n prev_w=$w prev_c=$c
    done
fi
[ -z "${BENCH_STRICT:-}" ] || exit "$missed"
exit 0
