#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The translations kept in step with the sources. The template is made afresh with xgettext, with the
# options of po/Makevars over the files of po/POTFILES.in, and compared by message with the committed
# po/pcipass.pot and with every language of po/LINGUAS. Every source file under src/ that marks a
# string must be in po/POTFILES.in. Each failure names the messages or files; `make update-po` in the
# build's po/ directory refreshes the template and the catalogs, then the new messages want translating.
. "$srcdir/tests/lib/common.sh"

for t in xgettext msgcat msgattrib msgfmt; do
    if ! command -v "$t" >/dev/null; then
        echo "1..0 # SKIP $t (GNU gettext) is not installed"
        exit 0
    fi
done
PO="$top_srcdir/po"
HINT="refresh with: make -C po update-po (in the build directory), then translate what is new"

# msgids FILE: one line per message, its msgid as the escaped C string (msgctxt and \004 before it)
msgids() {
    msgcat --no-wrap --no-location "$1" | awk '
        function flush() {
            if (id != "") print (ctx != "" ? ctx "\\004" : "") id
            id = ""; ctx = ""
        }
        function str(s) { sub(/^[a-z_]+ "/, "", s); sub(/^"/, "", s); sub(/"$/, "", s); return s }
        /^#/ { st = ""; next }
        /^msgctxt "/ { flush(); st = "ctx"; ctx = str($0); next }
        /^msgid "/ { if (st != "ctx") flush(); st = "id"; id = str($0); next }
        /^"/ { if (st == "id") id = id str($0); else if (st == "ctx") ctx = ctx str($0); next }
        { st = "" }
        END { flush() }' | LC_ALL=C sort -u
}
# check STATUS DESCRIPTION: ok, and the status again for a diagnostic after ||
check() { ok "$1" "$2"; return "$1"; }
# report TITLE FILE [HINT]: the lines of FILE as TAP diagnostics, under a title, with what to do
report() {
    { echo "$1"; sed 's/^/    /' "$2"; echo "${3:-$HINT}"; } | diag
}

# --- the template from the sources ---
opts=$(sed -n 's/^XGETTEXT_OPTIONS[[:space:]]*=[[:space:]]*//p' "$PO/Makevars")
# shellcheck disable=SC2086 # the options are words, as make passes them
(cd "$top_srcdir" && xgettext --default-domain=pcipass --directory=. --files-from=po/POTFILES.in \
    $opts --output="$WORK/fresh.pot") > "$WORK/xgettext.err" 2>&1
check $? "xgettext makes the template from po/POTFILES.in with the options of po/Makevars" ||
    diag < "$WORK/xgettext.err"
msgids "$WORK/fresh.pot" > "$WORK/sources.ids"
[ -s "$WORK/sources.ids" ]
ok $? "the sources have messages ($(wc -l < "$WORK/sources.ids"))"

# --- po/POTFILES.in against the files that mark strings ---
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$PO/POTFILES.in" | LC_ALL=C sort -u > "$WORK/potfiles"
(cd "$top_srcdir" && find src -type f \( -name '*.c' -o -name '*.h' \) -print |
    xargs grep -lE '(^|[^A-Za-z0-9_])[NP]?_\(' | LC_ALL=C sort -u) > "$WORK/marked"
LC_ALL=C comm -23 "$WORK/marked" "$WORK/potfiles" > "$WORK/unlisted"
[ ! -s "$WORK/unlisted" ]
check $? "every source file under src/ with translatable strings is in po/POTFILES.in" ||
    { echo "files to add to po/POTFILES.in:"; cat "$WORK/unlisted"; } | diag
: > "$WORK/gone"
while read -r f; do [ -f "$top_srcdir/$f" ] || echo "$f" >> "$WORK/gone"; done < "$WORK/potfiles"
[ ! -s "$WORK/gone" ]
check $? "every file of po/POTFILES.in exists" || { echo "listed but missing:"; cat "$WORK/gone"; } | diag

# --- the committed template ---
if [ -f "$PO/pcipass.pot" ]; then
    msgids "$PO/pcipass.pot" > "$WORK/pot.ids"
else
    : > "$WORK/pot.ids"
fi
LC_ALL=C comm -23 "$WORK/sources.ids" "$WORK/pot.ids" > "$WORK/pot.missing"
[ ! -s "$WORK/pot.missing" ]
check $? "po/pcipass.pot has every message of the sources" ||
    report "$(wc -l < "$WORK/pot.missing") in the sources but not in po/pcipass.pot:" "$WORK/pot.missing"
LC_ALL=C comm -13 "$WORK/sources.ids" "$WORK/pot.ids" > "$WORK/pot.stale"
[ ! -s "$WORK/pot.stale" ]
check $? "po/pcipass.pot has no message the sources no longer have" ||
    report "$(wc -l < "$WORK/pot.stale") in po/pcipass.pot but no longer in the sources:" "$WORK/pot.stale"

# --- every language ---
langs=$(sed -e 's/#.*//' "$PO/LINGUAS")
for l in $langs; do
    po="$PO/$l.po"
    [ -f "$po" ]
    check $? "po/$l.po exists (listed in po/LINGUAS)" || continue
    msgids "$po" > "$WORK/$l.ids"
    LC_ALL=C comm -23 "$WORK/sources.ids" "$WORK/$l.ids" > "$WORK/$l.missing"
    [ ! -s "$WORK/$l.missing" ]
    check $? "po/$l.po has every message of the sources" ||
        report "$(wc -l < "$WORK/$l.missing") in the sources but not in po/$l.po:" "$WORK/$l.missing"
    msgattrib --translated --no-fuzzy --no-obsolete "$po" > "$WORK/$l.done.po" 2> "$WORK/$l.err"
    msgids "$WORK/$l.done.po" > "$WORK/$l.done"
    LC_ALL=C comm -23 "$WORK/sources.ids" "$WORK/$l.done" > "$WORK/$l.open"
    LC_ALL=C comm -12 "$WORK/$l.open" "$WORK/$l.ids" > "$WORK/$l.untranslated"
    [ ! -s "$WORK/$l.untranslated" ]
    check $? "po/$l.po translates every message (none empty or fuzzy)" ||
        report "$(wc -l < "$WORK/$l.untranslated") untranslated or fuzzy in po/$l.po:" "$WORK/$l.untranslated" \
            "translate them in po/$l.po (and drop the fuzzy marks once checked)"
    msgfmt -c -o /dev/null "$po" > "$WORK/$l.msgfmt" 2>&1
    check $? "msgfmt -c accepts po/$l.po (header, plural forms, format directives)" || diag < "$WORK/$l.msgfmt"
done
done_testing
