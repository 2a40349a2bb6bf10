#!/bin/sh
# Installs every Debian package that building pcipass and running its whole test suite need.
# Idempotent: packages already present are left alone, and apt is not touched when nothing is missing.
# Everything it and apt say goes to stderr: ./quickstart demo's stdout is pcipass's alone.
set -eu
exec >&2

PKGS="build-essential autoconf automake libtool autopoint gettext pkg-config
libpci-dev pciutils pci.ids libncurses-dev libxml2-dev libxml2-utils libjson-c-dev
zlib1g-dev libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
qemu-system-misc qemu-system-x86 tmux jq valgrind locales util-linux
time clang libclang-rt-14-dev groff-base busybox-static kmod
git dpkg-dev debhelper lintian gcc-s390x-linux-gnu"

# The real-kernel lane (tests/vm/) downloads, never installs, Debian's s390x kernel, busybox and an
# s390x root (libvirt, QEMU, the -dev packages gcc-s390x-linux-gnu builds pcipass against): apt
# needs the s390x architecture's package lists for that.
need_update=""
if ! dpkg --print-foreign-architectures | grep -qx s390x; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: the s390x architecture is missing: run this script as root" >&2
        exit 1
    fi
    dpkg --add-architecture s390x
    need_update=1
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ] && [ -z "$need_update" ]; then
    echo "install-deps: all build and test packages are present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run this script as root (or install them) first" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
[ -n "$missing" ] || exit 0
echo "install-deps: installing:$missing"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
