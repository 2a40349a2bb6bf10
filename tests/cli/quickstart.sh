#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's quick start from a fresh clone: `./quickstart demo ARGS` builds and runs pcipass, and
# its stdout is pcipass's output alone (the installation and the build speak on stderr), so every
# README example that asks for --json reads as JSON through jq, and a pipe that closes early breaks
# nothing but pcipass's own write. The clone is of the committed tree (a tree without .git: skip).
. "$srcdir/tests/lib/common.sh"

command -v git > /dev/null && [ -e "$top_srcdir/.git" ] || { echo "1..0 # SKIP not a git checkout"; exit 0; }
# the clone builds its own plain pcipass: a sanitizer build has nothing of its own to check here
! grep -q -- '--enable-sanitizers' "$top_builddir/config.status" 2> /dev/null ||
    { echo "1..0 # SKIP the sanitizer build (the clone builds without sanitizers)"; exit 0; }
git clone -q --no-hardlinks "$top_srcdir" "$WORK/clone" 2> "$WORK/clone.err"
ok $? "a fresh clone of the tree" || diag < "$WORK/clone.err"
Q="$WORK/clone/quickstart"

# the README's own examples: every `./quickstart demo ... --json` it names
sed -n 's/.*`\(\.\/quickstart demo [^`]*--json[^`]*\)`.*/\1/p' "$top_srcdir/README" | sort -u > "$WORK/examples"
[ -s "$WORK/examples" ]; ok $? "the README names $(wc -l < "$WORK/examples") quickstart example(s) with --json"
i=0
while IFS= read -r ex; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    (cd "$WORK/clone" && exec sh $ex) > "$WORK/ex$i.out" 2> "$WORK/ex$i.err"
    r=$?
    [ $r -eq 0 ] && jq -e 'type == "array" and length > 0' "$WORK/ex$i.out" > /dev/null
    ok $? "$ex: exit 0 ($r) and its stdout is JSON alone" || { diag < "$WORK/ex$i.err"; head -c 300 "$WORK/ex$i.out" | diag; }
done < "$WORK/examples"

# a reader that stops early: make and the installer never write to the pipe
(cd "$WORK/clone" && ./quickstart demo list --json 2> "$WORK/early.err") | head -c 1 > "$WORK/early.out"
[ "$(cat "$WORK/early.out")" = "[" ] && ! grep -qi "broken pipe\|make.*Error" "$WORK/early.err"
ok $? "piped into a reader that stops after one byte: the byte is pcipass's '[', the build says nothing of a broken pipe" ||
    diag < "$WORK/early.err"
done_testing
