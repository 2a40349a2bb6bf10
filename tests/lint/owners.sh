#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The module rules, in the style of libvirt's sc_prohibit_* syntax checks. The build itself stops a
# foreign library's header outside its owner module (src/forbid); this checks that it still does,
# and the rules a compiler cannot see: which file inside a module may use its library, that private
# headers stay in their module, and that nobody calls a library by name without including it.
. "$srcdir/tests/lib/common.sh"

cd "$top_srcdir" || exit 1
SRC=$(find src -name '*.c' -o -name '*.h' | grep -v '^src/forbid/' | sort)

# lines of FILES (outside ALLOWED, a grep -E pattern of paths) that match PATTERN
offenders() { # PATTERN ALLOWED
    for f in $SRC; do
        printf '%s\n' "$f" | grep -Eq "$2" && continue
        grep -nE "$1" "$f" /dev/null
    done
}
rule() { # DESCRIPTION PATTERN ALLOWED
    offenders "$2" "$3" > "$WORK/out"
    [ ! -s "$WORK/out" ]; ok $? "$1"
    diag < "$WORK/out"
}

# The fence: every outside library's headers, seen from a module that does not own it.
for h in libvirt/libvirt.h libvirt/virterror.h pci/pci.h libxml/tree.h json-c/json.h curses.h \
         ncursesw/curses.h zlib.h; do
    printf '#include <%s>\n' "$h" > "$WORK/probe.c"
    # shellcheck disable=SC2086 # the flags are words
    ${CC:-cc} $FORBID_CPPFLAGS -E "$WORK/probe.c" > /dev/null 2> "$WORK/err"
    rc=$?
    [ $rc -ne 0 ] && grep -q 'belongs to' "$WORK/err"; ok $? "<$h> outside its owner stops the build"
    diag < "$WORK/err"
done

rule "libvirt is included only in src/virt" '#include <libvirt/' '^src/virt/'
rule "libpci is included only in src/host/host-libpci.c" '#include <pci/' '^src/host/host-libpci\.c$'
rule "libxml2 is included only in src/xml" '#include <libxml/' '^src/xml/'
rule "json-c is included only in src/cli and the journal" '#include <json' \
    '^src/cli/|^src/change/journal\.c$'
rule "ncurses is included only in src/ui/display.c" '#include <(n?curses|ncursesw/|term\.h)' \
    '^src/ui/display\.c$'
rule "zlib is included only in src/util/zio.c" '#include <zlib\.h>' '^src/util/zio\.c$'
rule "libvirt's functions are called only in src/virt" '\bvir[A-Z][A-Za-z]+\(' '^src/virt/'
rule "libxml2's functions are called only in src/xml" '\bxml[A-Z][A-Za-z]+\(' '^src/xml/'
rule "curses calls only in src/ui/display.c" \
    '\b(w?refresh|mvw?addn?str|w?getch|wattr_?on|initscr|endwin|newwin|delwin|keypad|curs_set)\(' \
    '^src/ui/display\.c$'
rule "virt-private.h stays in src/virt" '"virt-private\.h"' '^src/virt/'
rule "host-private.h stays in src/host" '"host-private\.h"' '^src/host/'
rule "cli-private.h stays in src/cli" '"cli-private\.h"' '^src/cli/'
rule "change-private.h stays in src/change" '"change-private\.h"' '^src/change/'
rule "ui-private.h stays in src/ui" '"ui-private\.h"' '^src/ui/'
rule "xml-private.h stays in src/xml" '"xml-private\.h"' '^src/xml/'
# Every call points down the house: the model is plain data below xml and virt, and asks no module
# above it; the link lists each library once (Makefile.am), so a call back up does not link.
rule "src/model includes no header of a module above it" \
    '#include "pcipass/(virt|host|nodedev|app|guard|audit|check|change|journal|cli|ui)\.h"' \
    '^src/(util|xml|virt|host|app|guard|setup|change|cli|ui)/|^src/main\.c$'
# and no header of a module above, not even through another header (the compiler's own list)
below() { # MODULE HEADERS: the headers of HEADERS (a grep -E pattern) MODULE's files include
    for f in "src/$1"/*.c; do
        ${CC:-cc} -MM -MG -Iinclude "$f" 2> /dev/null
    done | tr ' \\' '\n\n' | grep -E "^include/pcipass/($2)\.h$" | sort -u
}
ABOVE_VIRT='host|app|guard|audit|check|change|journal|cli|ui'
[ "$(below xml hostdev)" = include/pcipass/hostdev.h ]
ok $? "the compiler lists what src/xml includes"
below model "virt|nodedev|$ABOVE_VIRT" > "$WORK/out"
[ ! -s "$WORK/out" ]; ok $? "src/model sees no header of xml, virt or any module above"
diag < "$WORK/out"
below xml "virt|$ABOVE_VIRT" > "$WORK/out"
[ ! -s "$WORK/out" ]; ok $? "src/xml sees no header of virt or any module above"
diag < "$WORK/out"
below virt "$ABOVE_VIRT" > "$WORK/out"
[ ! -s "$WORK/out" ]; ok $? "src/virt sees no header of host or any module above"
diag < "$WORK/out"
grep -E '^PP_LIBS *=' Makefile.am | grep -o 'PP_MODULE_LIBS' > "$WORK/out"
[ "$(wc -l < "$WORK/out")" -eq 1 ]; ok $? "the link lists each module library once"
diag < "$WORK/out"
# A list is built in a pp_buf (include/pcipass/buf.h), not by copying everything so far for each
# item: t = xasprintf("%s%s%s", s, i ? ", " : "", x); free(s); s = t
rule "lists are built with pp_buf, not by re-copying" \
    'xasprintf\("%s%s[^"]*",[^;]*\? *"[,; \\]' '^$'
rule "no hand-rolled case-insensitive search (strcasestr)" 'tolower\([^)]*\) *== *tolower' '^$'
# The console's engine knows no screen and reads nothing itself: screens, reads and undo go through
# the router (src/ui/router.c).
screens='\bui_[a-z_]+_view(_set)?\('
reads='\bui_(undo|read_guests|refresh_guests|refresh_all|checks_run)\('
libvirt='\bpp_(app_guests|app_reload_host|virt_(open|guests|guest_reread)|change_apply)\('
grep -nE "$screens|$reads|$libvirt" src/ui/view.c > "$WORK/out"
[ ! -s "$WORK/out" ]
ok $? "the engine (src/ui/view.c) opens no screen, reads nothing and changes nothing"
diag < "$WORK/out"
# One console apply (src/ui/change.c), the mirror of the CLI's pp_cli_apply.
rule "the console applies a change in one place, src/ui/change.c" '\bpp_change_apply\(' \
    '^src/(util|host|xml|virt|model|app|guard|setup|change|cli)/|^src/main\.c$|^src/ui/change\.c$'
find include -name '*private*' > "$WORK/out"
[ ! -s "$WORK/out" ]; ok $? "no private header in the public folder"
diag < "$WORK/out"
# The views draw through display.c's ui_* calls; the front ends reach the OS through the model.
rule "the console opens no files and runs no programs" '\b(fopen|open|opendir|popen|system|exec[lv]p?)\(' \
    '^src/(util|host|xml|virt|model|app|setup|change|cli)/|^src/main\.c$'

done_testing
