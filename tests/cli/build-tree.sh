#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A binary run from its build tree finds the build's demo host by itself, without PCIPASS_DATADIR;
# the same binary elsewhere does not take a build tree's data, and PCIPASS_DATADIR still wins.
. "$srcdir/tests/lib/common.sh"
unset PCIPASS_DATADIR

# from another working directory, so that only the executable's own place can lead to the data
cd "$WORK" || exit 1
run_cmd list --demo list
[ "$(rc list)" = 0 ] && out_has list "0000:65:00.0" && [ ! -s "$WORK/list.err" ]
ok $? "build tree: --demo list finds the x86 demo host without PCIPASS_DATADIR"

run_cmd s390 --demo=s390 guests --json
[ "$(rc s390)" = 0 ] && [ "$(jq -r '[.[].name] | index("zlinux1") != null' "$WORK/s390.out")" = true ]
ok $? "build tree: --demo=s390 guests --json reads the build's demo guests"

# PCIPASS_DATADIR is still the first choice: pointed at nothing, the build's data is not used instead
export PCIPASS_DATADIR="$WORK/elsewhere"
run_cmd env --demo list
unset PCIPASS_DATADIR
[ "$(rc env)" = 1 ] && err_has env "'$WORK/elsewhere/demo'"
ok $? "PCIPASS_DATADIR wins over the build tree (and a missing one is named)"

# a copy of the binary beside no build (no config.status): the installed pkgdatadir, never the build's
mkdir -p "$WORK/bin"
cp "$PCIPASS" "$WORK/bin/pcipass"
PCIPASS="$WORK/bin/pcipass"
run_cmd lone --demo list
if [ "$(rc lone)" = 0 ]; then
    # a pcipass installed under the configured prefix: then its data is the one taken
    [ -d "$pkgdatadir/demo/x86-server" ]
else
    [ "$(rc lone)" = 1 ] && err_has lone "'$pkgdatadir/demo'"
fi
ok $? "outside a build tree: pkgdatadir ($pkgdatadir), not the build's data"

# the same copy in a moved build tree (config.status and the laid-out demo beside it) finds that one
touch "$WORK/bin/config.status"
mkdir -p "$WORK/bin/data"
cp -R "$top_builddir/data/demo" "$WORK/bin/data/demo"
run_cmd moved --demo list
[ "$(rc moved)" = 0 ] && out_has moved "0000:65:00.0"
ok $? "a moved build tree finds its own demo data"

# config.status alone is not taken for a build tree without its demo
rm -f "$WORK/bin/data/demo/.stamp"
run_cmd nostamp --demo list
[ "$(rc nostamp)" = 0 ] && [ -d "$pkgdatadir/demo/x86-server" ] ||
    { [ "$(rc nostamp)" = 1 ] && err_has nostamp "'$pkgdatadir/demo'"; }
ok $? "a directory with config.status but no laid-out demo is not taken for a build tree"

done_testing
