#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The German translation in use: --help, an error message and console screens in German. The locale
# de_DE.UTF-8 is built into the work directory (LOCPATH), the catalog comes from the build
# (PCIPASS_LOCALEDIR), so nothing outside the work directory is touched or needed.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

if ! grep -q '^#define ENABLE_NLS 1' "$top_builddir/config.h" 2>/dev/null; then
    echo "1..0 # SKIP built without NLS (configure --disable-nls)"
    exit 0
fi
if ! command -v localedef >/dev/null; then
    echo "1..0 # SKIP localedef is not installed (it builds the de_DE.UTF-8 locale for the test)"
    exit 0
fi
mkdir -p "$WORK/locale"
if ! localedef -i de_DE -f UTF-8 "$WORK/locale/de_DE.UTF-8" > "$WORK/localedef.log" 2>&1 &&
    [ ! -d "$WORK/locale/de_DE.UTF-8" ]; then
    echo "1..0 # SKIP localedef cannot build de_DE.UTF-8 here: $(head -n 1 "$WORK/localedef.log")"
    exit 0
fi
trap 'tui_stop; cleanup_work' EXIT

# The catalog as it is installed, LL/LC_MESSAGES/DOMAIN.mo: the build's po/de.gmo (gettext's po/
# Makefile writes it next to de.po), or, when that is missing or older than de.po (make rebuilds the
# .gmo files only when the template changes), de.po compiled afresh.
CAT="$WORK/catalogs"
mkdir -p "$CAT/de/LC_MESSAGES"
gmo=
for d in "$top_builddir/po" "$top_srcdir/po"; do
    if [ -f "$d/de.gmo" ] && [ ! "$top_srcdir/po/de.po" -nt "$d/de.gmo" ]; then gmo="$d/de.gmo"; break; fi
done
if [ -n "$gmo" ]; then
    cp "$gmo" "$CAT/de/LC_MESSAGES/pcipass.mo"
else
    echo "no current de.gmo in the build; compiling po/de.po" | diag
    msgfmt -c -o "$CAT/de/LC_MESSAGES/pcipass.mo" "$top_srcdir/po/de.po"
fi
[ -s "$CAT/de/LC_MESSAGES/pcipass.mo" ]
ok $? "the German catalog is laid out as LL/LC_MESSAGES/pcipass.mo"

GERMAN="LOCPATH=$WORK/locale LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 LANGUAGE=de PCIPASS_LOCALEDIR=$CAT"
de() { # NAME ARGS...: run_cmd under the German locale and catalog
    _n=$1; shift
    # shellcheck disable=SC2086 # assignments as words for env
    env $GERMAN $PCIPASS_WRAPPER "$PCIPASS" "$@" > "$WORK/$_n.out" 2> "$WORK/$_n.err"
    echo $? > "$WORK/$_n.rc"
}
has() { # NAME.STREAM TEXT: TEXT is in the output, else the output as diagnostics
    grep -qF -- "$2" "$WORK/$1" && return 0
    { echo "expected in $1: $2"; cat "$WORK/$1"; } | diag
    return 1
}

# --- the command line ---
de help --help
[ "$(cat "$WORK/help.rc")" = 0 ] && has help.out "Aufruf: " && has help.out "Optionen:" &&
    has help.out "Befehle:" && has help.out "diese Hilfe anzeigen und beenden" &&
    has help.out "die PCI-Funktionen des Hosts auflisten und wer sie belegt" && ! grep -q "^Usage:" "$WORK/help.out"
ok $? "pcipass --help is German"

de sub attach --help
[ "$(cat "$WORK/sub.rc")" = 0 ] && has sub.out "Aufruf: " && has sub.out "GAST GERÄT [--managed yes|no]" &&
    has sub.out "[--guest-address ADR]" &&
    has sub.out "nur die persistente Konfiguration"
ok $? "pcipass attach --help is German, UTF-8 intact"

de nosys --sysfs-root /nonexistent list
[ "$(cat "$WORK/nosys.rc")" = 1 ] && has nosys.err "sysfs-Wurzel '/nonexistent': " && ! grep -q "sysfs root" "$WORK/nosys.err"
ok $? "an error (sysfs root '%s': %s) is German, exit status 1"

de usage list --bogus
[ "$(cat "$WORK/usage.rc")" = 2 ] && has usage.err "'pcipass list --help' gibt weitere Informationen."
ok $? "a usage error is German, exit status 2"

X86=$(fake_root x86-server)
URI="test://$top_srcdir/data/demo/guests.xml"
de list --sysfs-root "$X86" -c "$URI" list
[ "$(cat "$WORK/list.rc")" = 0 ] && head -n 1 "$WORK/list.out" | grep -q "^ADRESSE  *KLASSE  *BEZEICHNUNG  *TREIBER  *GRP  *BELEGT VON$"
ok $? "list: German column headings" || diag < "$WORK/list.out"
de listj --sysfs-root "$X86" -c "$URI" list --json
[ "$(cat "$WORK/listj.rc")" = 0 ] && jq -e '.[0] | has("address") and has("class_name")' "$WORK/listj.out" >/dev/null
ok $? "list --json keeps its keys under a German locale"

# the catalog is found through PCIPASS_LOCALEDIR only; the other tests stay English with it in reach
mkdir -p "$WORK/empty"
env LOCPATH="$WORK/locale" LC_ALL=de_DE.UTF-8 LANGUAGE=de PCIPASS_LOCALEDIR="$WORK/empty" \
    "$PCIPASS" --help > "$WORK/nocat.out" 2>&1
grep -q "^Usage: " "$WORK/nocat.out"
ok $? "without the catalog (PCIPASS_LOCALEDIR elsewhere) the text stays English"
env LC_ALL=C.UTF-8 LANGUAGE= PCIPASS_LOCALEDIR="$CAT" "$PCIPASS" --help > "$WORK/c.out" 2>&1
env LC_ALL=C LANGUAGE=de PCIPASS_LOCALEDIR="$CAT" "$PCIPASS" --help >> "$WORK/c.out" 2>&1
[ "$(grep -c "^Usage: " "$WORK/c.out")" = 2 ]
ok $? "English under C.UTF-8 with LANGUAGE empty (as tests/lib/common.sh sets it) and under C"

# --- the console ---
if ! command -v tmux >/dev/null; then
    for t in "function list" "footer keys" "detail pane" "guest picker" "form" "form hints" "quit"; do
        ok 0 "console: $t # SKIP tmux is not installed"
    done
    done_testing
    exit
fi
TUI_ENV=$GERMAN
tui_start 80 24 --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI"
wait_for "PCI-Funktionen des Hosts"
ok $? "console: the function list has its German title"
screen > "$WORK/home.txt"
head -n 1 "$WORK/home.txt" | grep -q " 21 Funktionen, 6 Gäste, 4 belegt, 1 Konflikt " &&
    grep -q "^ADRESSE  *KLASSE  *BEZEICHNUNG  *TREIBER  *GRP BELEGT VON" "$WORK/home.txt" &&
    tail -n 1 "$WORK/home.txt" | grep -qx " Enter:wählen Leer:markieren /:Filter b:Brücken o:Belegung ?, F1:Hilfe q:Ende"
ok $? "console: German header (both plural forms), column headings and footer keys" || diag < "$WORK/home.txt"
keys End k k k; wait_for " SR-IOV: virtuelle Funktion von 0000:17:00.0"
ok $? "console: the detail pane is German"
keys Enter; wait_for "Gast für 0000:17:02.3"
screen | grep -q "^ml-train  *gestoppt  *x86_64"
ok $? "console: the guest picker, with German guest states"
keys j Enter; wait_for "0000:17:02.3 Gast 'ml-train' zuweisen"
screen > "$WORK/form.txt"
grep -q "^  PCI-Adresse im Gast  " "$WORK/form.txt" && grep -q "^  Anwenden auf        < nur persistent >" "$WORK/form.txt" &&
    grep -q "Enter:wählen Tab:Feld o:Belegung ?, F1:Hilfe Esc:zurück q:Ende" "$WORK/form.txt"
ok $? "console: the form's labels fit their 20 columns, footer German" || diag < "$WORK/form.txt"
# gettext("") is the catalog's header: a field without hint must not ask for a translation of ""
grep -q "Project-Id-Version" "$WORK/form.txt"; [ $? -ne 0 ]; ok $? "console: no form hint shows the catalog header"
keys Escape Escape Escape; wait_for "PCI-Funktionen des Hosts"
keys q; wait_for "EXITED"
screen | grep -q "EXITED 0 icanon echo"
ok $? "console: q quits with status 0"
done_testing
