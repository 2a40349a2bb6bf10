/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in found first on the include path of every module but the owner of libvirt. */
#error "libvirt belongs to src/virt: use its interface in include/pcipass instead"
