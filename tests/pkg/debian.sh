#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package from a clean export of the source tree (the files git tracks, as they are in the
# working tree): dpkg-buildpackage -us -uc -b without root, lintian without errors or warnings, the
# files in Debian's places, a hardened binary, and the autopkgtest (debian/tests/demo) run on the
# package unpacked. KEEP=1 keeps its work directory (debian-pkg.* in the build directory).
. "$srcdir/tests/lib/common.sh"

for t in dpkg-buildpackage dh dh_autoreconf lintian dpkg-deb dpkg-parsechangelog git readelf; do
    if ! command -v "$t" > /dev/null 2>&1; then
        echo "1..0 # SKIP $t is not installed (tests/install-deps.sh installs the Debian tools)"
        exit 0
    fi
done
# The package is built with Debian's flags, never with this build's: a sanitizer build would only
# build the same package again.
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$top_builddir/Makefile"; then
    echo "1..0 # SKIP a sanitizer build (the plain build builds and checks the package)"
    exit 0
fi
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2> "$WORK/git.err")" != "$top_srcdir" ]; then
    echo "1..0 # SKIP the source tree is not the top of a git checkout (the package is built from" \
        "the files git tracks) $(head -n 1 "$WORK/git.err")"
    exit 0
fi

VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
T=$(mktemp -d "$top_builddir/debian-pkg.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"; cleanup_work' EXIT
SRC="$T/pcipass-$VERSION"
mkdir -p "$SRC" "$T/home"

# the clean export: tracked files only, no build products (an in-tree build's included)
(cd "$top_srcdir" && git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2> /dev/null) |
    tar -xf - -C "$SRC"
[ -x "$SRC/debian/rules" ] && [ -f "$SRC/configure.ac" ] && [ ! -e "$SRC/config.status" ]
ok $? "a clean export of the tree, with debian/"

# the release tarball carries debian/ too (Makefile.am names its files one by one)
missing=
for f in $(git -C "$top_srcdir" ls-files debian); do
    grep -q "[[:space:]]$f\([[:space:]]\|\$\)" "$top_srcdir/Makefile.am" || missing="$missing $f"
done
[ -z "$missing" ]
ok $? "every file of debian/ is in EXTRA_DIST${missing:+ (missing:$missing)}"

[ "$(cd "$SRC" && dpkg-parsechangelog -S Version)" = "$VERSION" ]
ok $? "debian/changelog's version is configure's ($VERSION)"

# As root, the package is built as nobody and without network (its own network namespace, only a
# loopback that is down): what Rules-Requires-Root: no and a buildd's isolation promise, checked.
builder=$(id -un)
as_builder=
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null && unshare --net true 2> /dev/null; then
    chown -R 65534:65534 "$T"
    # a build directory that nobody cannot reach (under a private home): built as root after all
    if setpriv --reuid=65534 --regid=65534 --clear-groups test -w "$T/home"; then
        builder="uid 65534, no network"
        as_builder="unshare --net setpriv --reuid=65534 --regid=65534 --clear-groups"
    else
        echo "# $T is out of nobody's reach: built as $builder"
    fi
fi

# The source package first, while the tree is clean (a native one holds the tree as it is)
(cd "$T" && $as_builder dpkg-source -b "pcipass-$VERSION") > "$WORK/source.log" 2>&1
st=$?
ok $st "dpkg-source -b builds the source package"
[ $st -eq 0 ] || diag < "$WORK/source.log"
lintian --fail-on error,warning --display-info "$T/pcipass_$VERSION.dsc" > "$WORK/lintian-src.log" 2>&1 &&
    ! grep -q '^[EW]: ' "$WORK/lintian-src.log"
ok $? "lintian on the source package: no errors, no warnings"
grep '^[EWI]: ' "$WORK/lintian-src.log" | diag

# Not this test's environment (make's jobserver, the harness's variables) but a plain shell's. The
# whole build, its test step (make check-package) included: the one place that runs the suites as a
# package build does (a fresh tree, Debian's flags, no -Werror). It doubles this test's time (about
# 25 s more here): DEB_BUILD_OPTIONS=nocheck in make check's environment leaves the step out.
case " ${DEB_BUILD_OPTIONS:-} " in *" nocheck "*) nocheck=nocheck ;; *) nocheck= ;; esac
start=$(date +%s)
(cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u srcdir -u top_builddir -u pkgdatadir \
    -u PCIPASS_JOURNAL -u LSAN_OPTIONS HOME="$T/home" DEB_BUILD_OPTIONS="$nocheck parallel=2" \
    $as_builder dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1
st=$?
echo "# dpkg-buildpackage took $(($(date +%s) - start)) s"
ok $st "dpkg-buildpackage -us -uc -b builds the package ($builder)"
[ $st -eq 0 ] || tail -n 40 "$WORK/build.log" | diag
if [ -n "$nocheck" ]; then
    ok 0 "its test step # SKIP DEB_BUILD_OPTIONS=nocheck"
else
    grep -q 'make .*check-package' "$WORK/build.log" && grep -q '^# FAIL: *0$' "$WORK/build.log" &&
        grep -q '^# ERROR: *0$' "$WORK/build.log"
    ok $? "its test step ran make check-package, without failures"
    printf '# package build: %s\n' "$(grep '^# \(TOTAL\|PASS\|SKIP\|FAIL\|ERROR\):' "$WORK/build.log" |
        sed 's/^# //' | tr -s ' \n' '  ')"
fi

ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB="$T/pcipass_${VERSION}_$ARCH.deb"
CHANGES="$T/pcipass_${VERSION}_$ARCH.changes"
[ -f "$DEB" ] && [ -f "$CHANGES" ]
ok $? "pcipass_${VERSION}_$ARCH.deb and its .changes are there"

start=$(date +%s)
lintian --fail-on error,warning --display-info "$CHANGES" > "$WORK/lintian.log" 2>&1
st=$?
echo "# lintian took $(($(date +%s) - start)) s"
[ $st -eq 0 ] && ! grep -q '^[EW]: ' "$WORK/lintian.log"
ok $? "lintian on the binary package: no errors, no warnings"
grep '^[EWI]: ' "$WORK/lintian.log" | diag

dpkg-deb -c "$DEB" > "$WORK/contents" 2> "$WORK/contents.err"
ok $? "dpkg-deb lists the package's files"
# has PATH: the path is in the package (regular file or symlink)
has() { awk '{ print $6 }' "$WORK/contents" | grep -qx -- "./$1"; }
for f in usr/bin/pcipass usr/share/man/man1/pcipass.1.gz usr/share/bash-completion/completions/pcipass \
        usr/share/locale/de/LC_MESSAGES/pcipass.mo usr/share/pcipass/demo/guests.xml \
        usr/share/pcipass/demo/s390-guests.xml \
        usr/share/pcipass/demo/x86-server/bus/pci/devices/0000:65:00.0 \
        usr/share/pcipass/demo/x86-server-proc/cmdline usr/share/pcipass/demo/x86-server-dev/vfio/vfio \
        usr/share/pcipass/demo/s390-lpar/bus/pci/slots/00000300/address \
        usr/share/doc/pcipass/copyright usr/share/doc/pcipass/changelog.gz; do
    has "$f"
    ok $? "in the package: /$f"
done
n_po=$(ls "$top_srcdir/po" | grep -c '\.po$')
[ "$(grep -c '/LC_MESSAGES/pcipass\.mo$' "$WORK/contents")" = "$n_po" ]
ok $? "one catalog for each of the $n_po translation(s)"
awk '{ print $6 }' "$WORK/contents" | grep -v -e '^\./$' -e '^\./usr/$' -e '^\./usr/bin/' -e '^\./usr/share/' \
    > "$WORK/outside"
[ ! -s "$WORK/outside" ]
ok $? "nothing outside /usr/bin and /usr/share"
diag < "$WORK/outside"

dpkg-deb -f "$DEB" Depends > "$WORK/depends"
for lib in libvirt0 libpci3 libjson-c5 libxml2 libncursesw6; do
    grep -q "$lib" "$WORK/depends"
    ok $? "Depends names $lib (from shlibs)"
done

dpkg-deb -x "$DEB" "$T/root"
readelf -h -l -d "$T/root/usr/bin/pcipass" > "$WORK/elf" 2>&1
grep -q 'Type:.*DYN' "$WORK/elf" && grep -q 'GNU_RELRO' "$WORK/elf" && grep -q 'BIND_NOW\|FLAGS_1.*NOW' "$WORK/elf"
ok $? "the binary is hardened: PIE, RELRO, BIND_NOW"
readelf -W --dyn-syms "$T/root/usr/bin/pcipass" > "$WORK/syms" 2>&1
grep -q ' __stack_chk_fail@' "$WORK/syms" && grep -q ' __[a-z]*printf_chk@' "$WORK/syms"
ok $? "the binary is hardened: stack protector and _FORTIFY_SOURCE"

# the autopkgtest's own script, on the package unpacked; its scratch directory is this test's own
# (the build tree belongs to the build user, and pcipass keeps no journal below another user's
# directory)
mkdir -p "$WORK/adt"
PATH="$T/root/usr/bin:$PATH" PCIPASS_TEST_ROOT="$T/root" AUTOPKGTEST_TMP="$WORK/adt" \
    sh "$top_srcdir/debian/tests/demo" > "$WORK/adt.log" 2>&1
st=$?
ok $st "debian/tests/demo (the autopkgtest) passes on the package unpacked"
[ $st -eq 0 ] || diag < "$WORK/adt.log"

done_testing
