# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the real-kernel lane's tests (after tests/lib/common.sh): Debian's own kernel for an
# architecture, fetched once with apt-get download and unpacked (never installed) into a cache, a
# small busybox initramfs, and QEMU TCG to boot it. Where the lane cannot run, the test reports SKIP
# with the reason (CI fails on that: see .ci/run).
VM_CACHE=${PCIPASS_VM_CACHE:-/var/cache/pcipass-vm}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# vm_require QEMU: root (libvirtd as root inside, and the cache), QEMU, busybox, the archive tools
vm_require() {
    [ "$(id -u)" -eq 0 ] || skip_all "the real-kernel lane needs root (apt-get download, libvirtd as root)"
    command -v "$1" > /dev/null || skip_all "$1 is not installed (tests/install-deps.sh)"
    for _t in apt-get apt-cache dpkg-deb depmod gzip flock perl; do
        command -v $_t > /dev/null || skip_all "$_t is not installed (tests/install-deps.sh)"
    done
    mkdir -p "$VM_CACHE" 2> /dev/null || skip_all "cannot create the kernel cache $VM_CACHE"
}

# vm_fetch ARCH: Debian's kernel for ARCH (amd64, s390x) and busybox-static of that architecture,
# unpacked into $VM_CACHE once; sets VM_KDIR (the unpacked tree), VM_KVER, VM_KERNEL, VM_BUSYBOX.
vm_fetch() {
    _arch=$1
    _q=""
    [ "$_arch" = "$(dpkg --print-architecture)" ] || _q=":$_arch"
    # the versioned package that the meta package names: the newest kernel the archive has
    _pkg=$(apt-cache depends "linux-image-$_arch$_q" 2> /dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n 1)
    [ -n "$_pkg" ] || skip_all "the package archive names no kernel for $_arch (apt-get update; for s390x: dpkg --add-architecture s390x)"
    VM_KDIR="$VM_CACHE/$_pkg"
    # one fetch at a time per cache (make check -j, or several trees on one machine)
    exec 8> "$VM_CACHE/.lock"
    flock 8
    if [ ! -f "$VM_KDIR/.complete" ]; then
        _t=$(mktemp -d "$VM_CACHE/fetch.XXXXXX")
        # apt's download user cannot write a root-only temporary directory; the warning says so
        if ! (cd "$_t" && apt-get download -q "$_pkg$_q" "busybox-static$_q") > "$_t/log" 2>&1; then
            diag < "$_t/log" >&2
            rm -rf "$_t"
            skip_all "apt-get download $_pkg$_q busybox-static$_q failed (no package archive?)"
        fi
        for _d in "$_t"/*.deb; do dpkg-deb -x "$_d" "$_t/tree" || { rm -rf "$_t"; skip_all "dpkg-deb -x $_d failed"; }; done
        _v=$(ls "$_t/tree/lib/modules")
        depmod -b "$_t/tree" "$_v"
        rm -rf "$VM_KDIR"
        mv "$_t/tree" "$VM_KDIR"
        rm -rf "$_t"
        touch "$VM_KDIR/.complete"
    fi
    exec 8>&-
    VM_KVER=$(ls "$VM_KDIR/lib/modules")
    VM_KERNEL="$VM_KDIR/boot/vmlinuz-$VM_KVER"
    VM_BUSYBOX="$VM_KDIR/bin/busybox"
    [ -f "$VM_KERNEL" ] || skip_all "no kernel image in $VM_KDIR"
}

# vm_fetch_pkg PKG: one package of this machine's architecture, unpacked (never installed) into
# $VM_CACHE once, for the VM's overlay root; sets VM_PKGDIR. (driverctl: the host need not have it,
# and installing it would pull udev onto the machine that runs the tests.)
vm_fetch_pkg() {
    _ver=$(apt-cache policy "$1" 2> /dev/null | sed -n 's/^ *Candidate: //p')
    [ -n "$_ver" ] && [ "$_ver" != "(none)" ] || skip_all "the package archive has no $1 (apt-get update)"
    VM_PKGDIR="$VM_CACHE/$1_$_ver"
    exec 8> "$VM_CACHE/.lock"
    flock 8
    if [ ! -f "$VM_PKGDIR/.complete" ]; then
        _t=$(mktemp -d "$VM_CACHE/fetch.XXXXXX")
        if ! (cd "$_t" && apt-get download -q "$1=$_ver") > "$_t/log" 2>&1 ||
            ! dpkg-deb -x "$_t"/*.deb "$_t/tree"; then
            diag < "$_t/log" >&2
            rm -rf "$_t"
            skip_all "apt-get download $1 failed (no package archive?)"
        fi
        rm -rf "$VM_PKGDIR"
        mv "$_t/tree" "$VM_PKGDIR"
        rm -rf "$_t"
        touch "$VM_PKGDIR/.complete"
    fi
    exec 8>&-
}

# vm_initramfs OUT INIT MODULE...: a gzip'd newc archive with busybox, INIT as /init and the named
# modules of the fetched kernel as /mod/NAME.ko (loaded by INIT in the order given to it)
vm_initramfs() {
    _out=$1 _init=$2; shift 2
    _i="$WORK/initramfs"
    rm -rf "$_i"
    mkdir -p "$_i/bin" "$_i/mod" "$_i/proc" "$_i/sys" "$_i/dev" "$_i/lower" "$_i/upper" "$_i/newroot" "$_i/res"
    cp "$VM_BUSYBOX" "$_i/bin/busybox"
    cp "$_init" "$_i/init"
    chmod 755 "$_i/init" "$_i/bin/busybox"
    for _m in "$@"; do
        _f=$(find "$VM_KDIR/lib/modules/$VM_KVER" -name "$_m.ko" | head -n 1)
        if [ -z "$_f" ]; then
            # built into this architecture's kernel: nothing to load
            grep -q "/$_m.ko\$" "$VM_KDIR/lib/modules/$VM_KVER/modules.builtin" && continue
            echo "vm: no module $_m in $VM_KVER" >&2; return 1
        fi
        cp "$_f" "$_i/mod/"
    done
    (cd "$_i" && find . | "$VM_BUSYBOX_HOST" cpio -o -H newc 2> /dev/null) | gzip -1 > "$_out"
}
VM_BUSYBOX_HOST=$(command -v busybox || echo /bin/busybox)

# vm_fetch_root ARCH PKG...: a root tree for ARCH of Debian's own packages PKG and their Depends
# closure, downloaded with apt-get download and unpacked with dpkg-deb -x (never installed), kept in
# $VM_CACHE under a name made of the versions of PKG (a new version of one makes a new tree; the
# closure is resolved only then: it costs half a minute on a loaded machine); sets VM_ROOT. The
# closure takes the ARCH packages and the architecture-independent ones; of alternatives apt names
# both, libelogind0 is left out (it ships libsystemd0's library too).
vm_fetch_root() {
    _arch=$1; shift
    _named=$(for _p in "$@"; do echo "$_p:$_arch"; done)
    _id=$(apt-cache show --no-all-versions $_named 2> /dev/null | sed -n 's/^\(Package\|Version\): //p' | cksum | cut -d' ' -f1)
    VM_ROOT="$VM_CACHE/root-$_arch-$_id"
    exec 8> "$VM_CACHE/.lock"
    flock 8
    if [ ! -f "$VM_ROOT/.complete" ]; then
        _l=$(mktemp)
        apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
            --no-enhances $_named 2> /dev/null | grep -v '^[ <]' | sort -u > "$_l"
        _sel=$( { grep ":$_arch\$" "$_l"
                  grep -v : "$_l" | xargs -r apt-cache show --no-all-versions 2> /dev/null |
                      awk '/^Package:/ { p = $2 } /^Architecture: all/ { print p }'; } |
                grep -v '^libelogind0' | sort -u)
        rm -f "$_l"
        [ -n "$_sel" ] || skip_all "the package archive has no $_arch packages for $* (apt-get update)"
        _t=$(mktemp -d "$VM_CACHE/fetch.XXXXXX")
        _t0=$(now)
        if ! (cd "$_t" && apt-get download -q $_sel) > "$_t/log" 2>&1; then
            diag < "$_t/log" >&2
            rm -rf "$_t"
            skip_all "apt-get download of the $_arch root failed (no package archive?)"
        fi
        _t1=$(now)
        for _d in "$_t"/*.deb; do dpkg-deb -x "$_d" "$_t/tree" || { rm -rf "$_t"; skip_all "dpkg-deb -x $_d failed"; }; done
        _t2=$(now)
        echo "$(echo $_sel | wc -w) packages, $(cat "$_t"/*.deb | wc -c) bytes downloaded in $(secs "$_t0" "$_t1") s, unpacked to $(du -sb "$_t/tree" | cut -f1) bytes in $(secs "$_t1" "$_t2") s" > "$_t/tree/.cost"
        rm -rf "$VM_ROOT"
        mv "$_t/tree" "$VM_ROOT"
        rm -rf "$_t"
        touch "$VM_ROOT/.complete"
    fi
    exec 8>&-
}

# vm_watch PID BOUND STALL REASONFILE FILE...: ends the VM PID when it has run BOUND seconds, or when
# none of FILE... (its console, the scenario's TAP and timings) has grown for STALL seconds: a hang,
# not a slow machine, since a slow scenario still writes. The reason goes to REASONFILE. Runs in the
# background; it ends by itself with the VM.
vm_watch() {
    _pid=$1 _bound=$2 _stall=$3 _why=$4; shift 4
    (
        _start=$(date +%s) _last=$(date +%s) _size=-1
        while kill -0 "$_pid" 2> /dev/null; do
            _now=$(date +%s)
            _s=$(cat "$@" 2> /dev/null | wc -c)
            if [ "$_s" -ne "$_size" ]; then _size=$_s _last=$_now; fi
            if [ $((_now - _start)) -ge "$_bound" ]; then
                echo "the VM ran past the overall bound of $_bound s (PCIPASS_VM_TIMEOUT)" > "$_why"
            elif [ $((_now - _last)) -ge "$_stall" ]; then
                echo "no progress for $_stall s (PCIPASS_VM_STALL): the scenario hangs" > "$_why"
            else
                sleep 2; continue
            fi
            kill "$_pid" 2> /dev/null; sleep 5; kill -9 "$_pid" 2> /dev/null
            break
        done
    ) > /dev/null 2>&1 &
}
