#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion script, sourced into bash with the built pcipass first in PATH: the words it
# offers for a command line typed up to the cursor, on the demo host from the build tree.
. "$srcdir/tests/lib/common.sh"

if ! command -v bash > /dev/null 2>&1; then
    echo "1..0 # SKIP no bash"
    exit 0
fi
export PCIPASS_DATADIR="$top_builddir/data"
export PATH="$top_builddir:$PATH"

# The completion as bash runs it on TAB: COMP_LINE and COMP_POINT at its end, COMP_WORDS split at
# COMP_WORDBREAKS (the default, with ':' and '='), then the completion function's COMPREPLY.
cat > "$WORK/drive.bash" << 'EOF'
COMP_WORDBREAKS=${BREAKS-$' \t\n"\'><=;|&(:'}
. "$1"
complete -p pcipass > /dev/null || exit 3
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
# bash's own split, for completeness: the script reads COMP_LINE
read -r -a COMP_WORDS <<< "$COMP_LINE"
COMP_CWORD=${#COMP_WORDS[@]}
[[ $COMP_LINE == *' ' ]] || ((COMP_CWORD--))
COMPREPLY=()
_pcipass pcipass "${COMP_WORDS[COMP_CWORD]-}" "${COMP_WORDS[COMP_CWORD-1]-}"
printf '%s\n' "${COMPREPLY[@]}" | sort
EOF

SCRIPT="$top_srcdir/data/bash-completion/pcipass"
bash -n "$SCRIPT"; ok $? "the script parses"

# comp DESCRIPTION LINE WANT...: the sorted completions of LINE are exactly WANT
comp() {
    _d=$1 _l=$2; shift 2
    bash "$WORK/drive.bash" "$SCRIPT" "$_l" > "$WORK/got" 2> "$WORK/comp.err"
    printf '%s\n' "$@" | sort > "$WORK/want"
    cmp -s "$WORK/want" "$WORK/got" && [ ! -s "$WORK/comp.err" ]; ok $? "$_d"
    { diff "$WORK/want" "$WORK/got"; cat "$WORK/comp.err"; } | diag
}

# commands and options, as the program's --help lists them
"$PCIPASS" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' > "$WORK/commands"
# shellcheck disable=SC2046
comp "commands after 'pcipass '" "pcipass " $(cat "$WORK/commands")
comp "commands after global options" "pcipass --demo --no-color " $(cat "$WORK/commands")
comp "a command from its first letters" "pcipass --demo at" attach
comp "global options" "pcipass --" --boot-root --conf-root --connect --demo --dev-root --help --hosts \
    --inventory --journal --no-color --proc-root --sysfs-root --version
comp "--inventory values" "pcipass --inventory " sysfs libvirt
comp "find options" "pcipass --demo find --" --class --device --free --help --json --vendor
comp "--demo= values" "pcipass --demo=" x86 s390
comp "--demo=s390" "pcipass --demo=s" s390

# guests from libvirt, through pcipass guests on the demo
comp "attach GUEST: the demo's guests" "pcipass --demo attach " build ml-train router web01 \
    zlinux1 zlinux2
comp "attach GUEST from a prefix" "pcipass --demo attach z" zlinux1 zlinux2
comp "detach GUEST" "pcipass --demo detach r" router
comp "xml --guest NAME" "pcipass --demo xml 0000:17:02.1 --guest w" web01

# function addresses from the inventory; readline replaces the text after the last ':'
comp "attach GUEST DEVICE after 0000:17:" "pcipass --demo attach web01 0000:17:" \
    00.0 00.1 02.0 02.1 02.2 02.3
comp "DEVICE after 0000:17:02." "pcipass --demo attach web01 0000:17:02." 02.0 02.1 02.2 02.3
BREAKS=$(printf ' \t\n'); export BREAKS
comp "whole addresses when ':' breaks no word" "pcipass --demo attach web01 0000:65" \
    0000:65:00.0 0000:65:00.1
unset BREAKS
comp "check takes several devices" "pcipass --demo check 0000:65:00.0 0000:65:" 00.0 00.1
comp "xml DEVICE on the s390 demo" "pcipass --demo=s390 xml 030" 0300:00:00.0 0301:00:00.0 0302:00:00.0

# the host and libvirt options on the line are passed on
S390=$(fake_root s390-zpci)
comp "--sysfs-root and -c are passed on" \
    "pcipass -c test://$PCIPASS_DATADIR/demo/guests.xml --sysfs-root $S390 attach zlinux1 000" \
    0000:00:00.0 0001:00:00.0 0002:00:00.0 0003:00:00.0 0004:00:00.0 0005:00:00.0
comp "--connect=URI is passed on" \
    "pcipass --connect=test://$PCIPASS_DATADIR/demo/guests.xml attach zl" zlinux1 zlinux2

# option values and per-command options
comp "--managed yes|no" "pcipass --demo attach web01 0000:17:02.3 --managed " yes no
comp "--managed from a prefix" "pcipass xml 0000:17:02.3 --managed n" no
comp "no guess for --zpci-uid" "pcipass --demo xml 0002:00:00.0 --zpci-uid "
comp "detach's options" "pcipass detach --" --config --dry-run --help --json --live --no-wait --wait
"$PCIPASS" attach --help | grep -oE -- '(^|[ (,])--[a-z][a-z-]*' | sed 's/^[ (,]//' | sort -u \
    > "$WORK/attach-opts"
# shellcheck disable=SC2046
comp "attach's options, the xml ones included" "pcipass --demo attach web01 0000:17:02.3 --" \
    $(cat "$WORK/attach-opts")
grep -q -- --zpci-uid "$WORK/attach-opts"; ok $? "attach --help names --zpci-uid"
comp "nothing after undo" "pcipass --demo undo "
comp "setup's steps" "pcipass --demo setup " iommu vfio vfs bind
comp "no step where vfs wants its N" "pcipass --demo setup vfs 0000:17:00.0 "

# what the command table says, through pcipass __complete: which options take a value, what
# completes it, and what the operands are
comp "detach --wait SECONDS: its value is no operand" "pcipass --demo detach --wait 5 r" router
comp "nothing to offer for --wait's value" "pcipass --demo detach --wait "
comp "audit takes several guests" "pcipass --demo audit web01 z" zlinux1 zlinux2
comp "release --force: not release's option" "pcipass --demo release --f"
"$PCIPASS" __complete detach > "$WORK/spec"
printf '%s\n' "option --live" "option --config" "option --dry-run" "option --wait value" \
    "option --no-wait" "option --json" "operand guest" "operand device" > "$WORK/want"
cmp -s "$WORK/want" "$WORK/spec"; ok $? "__complete detach: the table's options and operands"
diff "$WORK/want" "$WORK/spec" | diag
: > "$WORK/mismatch"
for c in $(cat "$WORK/commands"); do
    "$PCIPASS" "$c" --help | grep -oE -- '(^|[ (,])--[a-z][a-z-]*' | sed 's/^[ (,]//' |
        grep -v -- '^--help$' | sort -u > "$WORK/help-opts"
    "$PCIPASS" __complete "$c" | sed -n 's/^option \(--[a-z-]*\).*/\1/p' | sort > "$WORK/spec-opts"
    # the help may name another option in prose (--record in --json's); every listed one is there
    comm -13 "$WORK/help-opts" "$WORK/spec-opts" > "$WORK/missing"
    [ ! -s "$WORK/missing" ] || { echo "$c: $(cat "$WORK/missing")"; } >> "$WORK/mismatch"
done
[ ! -s "$WORK/mismatch" ]; ok $? "every command's --help names every option of its table"
diag < "$WORK/mismatch"

done_testing
