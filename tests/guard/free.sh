#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# "Free" means what attach lets pass: every function `find --free` lists on a host goes through
# `attach --dry-run --config` to a shut-off guest of that host's architecture, without --force;
# over every host fixture (tests/data and the demo hosts) and every guest file with a shut-off
# guest in it.
. "$srcdir/tests/lib/common.sh"

guests_with_shutoff() {
    for g in "$top_srcdir"/data/demo/*.xml "$top_srcdir"/tests/data/*.xml; do
        grep -q "runstate>5<" "$g" && printf '%s\n' "$g"
    done
}

checked=0 pairs=0
for hw in "$top_srcdir"/tests/data/*.hw "$top_srcdir"/data/demo/*.hw; do
    name=$(basename "$hw" .hw)
    root=$(fake_root "$name") || { ok 1 "$name: laid out"; continue; }
    set -- --sysfs-root "$root"
    for r in proc dev conf boot; do
        [ -d "$root-$r" ] && set -- "$@" "--$r-root" "$root-$r"
    done
    for gx in $(guests_with_shutoff); do
        uri="test://$gx"
        run_cmd find -c "$uri" "$@" find --free --json
        [ "$(rc find)" = 0 ] || { ok 1 "$name with $(basename "$gx"): find --free exits 0"; diag < "$WORK/find.err"; continue; }
        arch=x86_64
        [ "$(jq -r '[.[] | select(.zpci != null)] | length' "$WORK/find.out")" -gt 0 ] && arch=s390x
        run_cmd gl -c "$uri" guests --json
        guest=$(jq -r --arg a "$arch" '[.[] | select(.state == "shut off" and .arch == $a)][0].name // empty' "$WORK/gl.out")
        [ -n "$guest" ] || continue
        pairs=$((pairs + 1))
        bad=
        for a in $(jq -r '.[].address' "$WORK/find.out"); do
            run_cmd att -c "$uri" "$@" attach "$guest" "$a" --dry-run --config
            checked=$((checked + 1))
            if [ "$(rc att)" != 0 ]; then
                bad="$bad $a"
                diag < "$WORK/att.err"
            fi
        done
        [ -z "$bad" ]
        ok $? "$name with $(basename "$gx"): every function find --free lists passes attach --dry-run --config to '$guest'${bad:+ (refused:$bad)}"
    done
done
[ "$checked" -ge 20 ] && [ "$pairs" -ge 10 ]
ok $? "the agreement was checked on $checked functions in $pairs host and guest pairs"

# the issue's case: the demo's PF whose VFs three guests hold is not free, as attach refuses it
run_cmd demo --demo find --free --json
! jq -r '.[].address' "$WORK/demo.out" | grep -qx "0000:17:00.0"
ok $? "the demo: the PF 0000:17:00.0, whose VFs guests hold, is not listed as free"
run_cmd demoatt --demo attach build 0000:17:00.0 --dry-run --config
[ "$(rc demoatt)" = 1 ] && err_has demoatt "0000:17:00.0 is the SR-IOV PF of VF"
ok $? "and attach refuses it for exactly that"

done_testing
