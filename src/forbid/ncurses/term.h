/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in found first on the include path of every module but the owner of ncurses. */
#error "ncurses belongs to src/ui/display.c: use its interface in include/pcipass instead"
