#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The manual page as built: groff formats it without a warning, and it names every console key of
# the key table (read from the source, not through the page's generator), every command and every
# option that the program's own --help output lists.
. "$srcdir/tests/lib/common.sh"

PAGE="$top_builddir/doc/pcipass.1"
if [ ! -f "$PAGE" ] || ! command -v groff > /dev/null 2>&1; then
    echo "1..0 # SKIP no built page or no groff"
    exit 0
fi

groff -ww -z -man "$PAGE" > "$WORK/groff.err" 2>&1
rc=$?
[ $rc -eq 0 ] && [ ! -s "$WORK/groff.err" ]; ok $? "groff -ww -z -man: no warnings"
diag < "$WORK/groff.err"

# plain text, one paragraph a line (no wrapping, no hyphenation)
groff -man -Tascii -P-cbou -rLL=2000n "$PAGE" 2> /dev/null > "$WORK/page.txt"
[ -s "$WORK/page.txt" ]; ok $? "the page renders as text"
# section NAME of the rendered page (up to the next section heading)
section() { awk -v s="$1" '/^[A-Z]/ { on = ($0 == s); next } on' "$WORK/page.txt"; }
# subsection NAME inside section COMMANDS
subsection() { section COMMANDS | awk -v s="   $1" '/^   [^ ]/ { on = ($0 == s); next } on'; }

grep -q '@[A-Z]*@' "$PAGE"; [ $? -ne 0 ]; ok $? "no template placeholder left"

# Keys: the entries of ui_bindings[] with help text, "KEYNAME<TAB>HELP" each
TAB=$(printf '\t')
# (an entry may span lines: the table is read as one line, cut at each entry's end)
tr '\n' ' ' < "$top_srcdir/src/ui/keys.c" | sed 's/},/},\n/g' |
    sed -n "s/.*\"\([^\"]*\)\")\{0,1\}, *N_(\"\([^\"]*\)\"), *\(N_(\"[^\"]*\")\|NULL\) *},\$/\1$TAB\2/p" \
    > "$WORK/keys.tsv"
nkeys=$(wc -l < "$WORK/keys.tsv")
[ "$nkeys" -ge 20 ]; ok $? "key table read from the source ($nkeys keys with help text)"
section CONSOLE > "$WORK/console.txt"
missing=""
while IFS="$TAB" read -r key help; do
    # the key's tag line starts with the key name; its help text follows, on that line or the next
    awk -v k="$key" -v h="$help" '
        index($0, "       " k) == 1 { tag = 1; if (index($0, h)) found = 1; next }
        tag && index($0, h) { found = 1 }
        { tag = 0 }
        END { exit !found }' "$WORK/console.txt" || missing="$missing [$key: $help]"
done < "$WORK/keys.tsv"
[ -z "$missing" ]; ok $? "every key with help text is in the CONSOLE section"
[ -z "$missing" ] || echo "missing:$missing" | diag

# Commands: as `pcipass --help` lists them
"$PCIPASS" --help > "$WORK/help.txt"
sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$WORK/help.txt" > "$WORK/commands.txt"
ncmd=$(wc -l < "$WORK/commands.txt")
[ "$ncmd" -ge 11 ]; ok $? "pcipass --help lists the commands ($ncmd)"
missing=""
while read -r cmd; do
    subsection "$cmd" > "$WORK/cmd-$cmd.txt"
    if ! grep -q "pcipass \[OPTIONS\] $cmd" "$WORK/cmd-$cmd.txt"; then
        missing="$missing $cmd"
        continue
    fi
    "$PCIPASS" "$cmd" --help > "$WORK/help-$cmd.txt"
    for o in $(grep -o -- '--[a-z][a-z-]*' "$WORK/help-$cmd.txt" | sort -u); do
        grep -q -- "$o" "$WORK/cmd-$cmd.txt" || missing="$missing $cmd:$o"
    done
done < "$WORK/commands.txt"
[ -z "$missing" ]; ok $? "every command has its subsection with every option of its --help"
[ -z "$missing" ] || echo "missing:$missing" | diag
nss=$(grep -c '^\.SS "[a-z-]*"$' "$PAGE")
[ "$nss" -eq "$ncmd" ]; ok $? "as many command subsections as commands ($nss)"

# Global options: every one of `pcipass --help`'s Options section, in section OPTIONS
section OPTIONS > "$WORK/options.txt"
missing=""
for o in $(sed -n '/^Options:/,/^$/p' "$WORK/help.txt" | grep -o -- ' --*[a-zA-Z][a-z-]*' | sort -u); do
    grep -q -- "$o" "$WORK/options.txt" || missing="$missing $o"
done
[ -z "$missing" ]; ok $? "every global option is in the OPTIONS section"
[ -z "$missing" ] || echo "missing:$missing" | diag

section "EXIT STATUS" | grep -c '^       [012] ' > "$WORK/exit.n"
[ "$(cat "$WORK/exit.n")" -eq 3 ]; ok $? "exit statuses 0, 1 and 2"
for v in LIBVIRT_DEFAULT_URI NO_COLOR PCIPASS_JOURNAL XDG_STATE_HOME PCIPASS_DATADIR; do
    section ENVIRONMENT | grep -q "^       $v"; ok $? "ENVIRONMENT: $v"
done
section FILES | grep -q '^       /var/lib/pcipass/journal'; ok $? "FILES: the journal"
section EXAMPLES | grep -q -- 'pcipass xml 0002:00:00.0 --managed yes --zpci-uid 0x0001 --zpci-fid 0x00000000'
ok $? "EXAMPLES: the zPCI example"

# the zPCI example does what the page says, on the s390 demo host
S390=$(fake_root s390-zpci)
run_cmd zpci -c test:///default --sysfs-root "$S390" xml 0002:00:00.0 --managed yes --zpci-uid 0x0001 \
    --zpci-fid 0x00000000
[ "$(cat "$WORK/zpci.rc")" -eq 0 ] && grep -q '<zpci uid="0x0001" fid="0x00000000"/>' "$WORK/zpci.out"
ok $? "the zPCI example runs and gives the zpci element"

done_testing
