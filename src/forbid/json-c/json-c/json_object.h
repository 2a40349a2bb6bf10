/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in found first on the include path of every module but the owner of json-c. */
#error "json-c belongs to src/cli and src/change/journal.c: use its interface in include/pcipass instead"
