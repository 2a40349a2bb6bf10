#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The layout of the C sources as a fact, not a habit: the rules the code follows (tests/lint/
# style.awk) over every C file of the tree. .clang-format formats new lines to the same rules.
. "$srcdir/tests/lib/common.sh"

cd "$top_srcdir" || exit 1
FILES=$(find src include doc tests -name '*.[ch]' | grep -v '^src/forbid/' | sort)
RULES="$top_srcdir/tests/lint/style.awk"

# shellcheck disable=SC2086 # the file names are words
[ -n "$FILES" ] && [ "$(printf '%s\n' $FILES | wc -l)" -gt 50 ]
ok $? "the C sources are found ($(printf '%s\n' $FILES | wc -l) files)"
# bytes, not characters, for awk: the rules count UTF-8 themselves
# shellcheck disable=SC2086
LC_ALL=C awk -f "$RULES" $FILES > "$WORK/out"
[ ! -s "$WORK/out" ]; ok $? "every line keeps the layout rules"
diag < "$WORK/out"

# each rule catches what it is for: a file that breaks each once
printf '%s\n' 'static int f(void) {' '	return 0;  ' '}' 'void g(void)' '{' '    if (x) {' \
    '    }' '    else {' '      y();' '    }else{' '    }' \
    "    z(\"$(printf '%0110d' 0)\");" "    /* $(printf '%0110d' 0) */" > "$WORK/bad.c"
LC_ALL=C awk -f "$RULES" "$WORK/bad.c" | sed 's/^[^:]*:\([0-9]*\): /\1 /' > "$WORK/got"
cat > "$WORK/want" << 'WANT'
1 a function's opening brace goes on a line of its own
2 a tab (indent with blanks)
2 blanks at the end of the line
8 else goes on the line of the closing brace: } else
9 a statement indented by a multiple of 4 columns
10 a blank between a brace and else
13 more than 100 columns (only a line with a string literal may be longer)
WANT
cmp -s "$WORK/want" "$WORK/got"; ok $? "each rule finds its own breach, and a long string is let be"
diff "$WORK/want" "$WORK/got" | diag

done_testing
