/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in found first on the include path of every module but the owner of libpci. */
#error "libpci belongs to src/host: use its interface in include/pcipass instead"
