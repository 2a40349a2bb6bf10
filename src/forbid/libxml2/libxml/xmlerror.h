/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in found first on the include path of every module but the owner of libxml2. */
#error "libxml2 belongs to src/xml: use its interface in include/pcipass instead"
