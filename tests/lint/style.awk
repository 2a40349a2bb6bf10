# SPDX-License-Identifier: GPL-2.0-or-later
# The layout rules the C sources follow, for tests/lint/style.sh: prints FILE:LINE: RULE for each
# line that breaks one.
function bad(rule) { printf "%s:%d: %s\n", FILENAME, FNR, rule }
FNR == 1 { prev = ""; depth = 0; incomment = 0 }
{
    line = $0
    code = line
    gsub(/"([^"\\]|\\.)*"/, "\"\"", code)
    gsub(/'([^'\\]|\\.)*'/, "''", code)
    if (line ~ /\t/)
        bad("a tab (indent with blanks)")
    if (line ~ / +$/)
        bad("blanks at the end of the line")
    wide = line
    cols = length(line) - gsub(/[\200-\277]/, "", wide) # UTF-8: characters, not bytes
    if (cols > 100 && line !~ /"/)
        bad("more than 100 columns (only a line with a string literal may be longer)")
    if (code ~ /^[a-z].*\) *\{$/ && code !~ /=/)
        bad("a function's opening brace goes on a line of its own")
    if (code ~ /^ *else/ && prev ~ /^ *\} *$/)
        bad("else goes on the line of the closing brace: } else")
    if (code ~ /\}else|else\{/)
        bad("a blank between a brace and else")
    # a statement that starts after a statement, a brace or a blank line is indented by a
    # multiple of 4 columns (continuation lines align as they like)
    if (!incomment && depth == 0 && code !~ /^ *$/ && code !~ /^#/ &&
        (prev ~ /[;{}] *$/ || prev ~ /^ *$/)) {
        match(line, /^ */)
        if (RLENGTH % 4 != 0)
            bad("a statement indented by a multiple of 4 columns")
    }
    if (!incomment) {
        depth += gsub(/\(/, "(", code) - gsub(/\)/, ")", code)
        if (depth < 0)
            depth = 0
    }
    if (code ~ /\/\*/ && code !~ /\*\//)
        incomment = 1
    if (code ~ /\*\//)
        incomment = 0
    prev = code
}
