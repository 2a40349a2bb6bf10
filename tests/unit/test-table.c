/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pp_table, pp_display_width and pp_display_fit: padding by display width under a UTF-8 and the C
 * locale. */
#include <config.h>

#include <locale.h>
#include <stdlib.h>

#include "pcipass/common.h"
#include "pcipass/table.h"
#include "tap.h"

/* The table printed into a string. */
static char *printed(const pp_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    pp_table_print(t, f);
    fclose(f);
    return buf;
}

int main(void)
{
    pp_table *t;
    char *out;

    if (!setlocale(LC_ALL, "C.UTF-8")) {
        printf("1..0 # SKIP no C.UTF-8 locale\n");
        return 0;
    }
    ok(pp_display_width("abc") == 3, "ASCII: one column per byte");
    ok(pp_display_width("東京") == 4, "CJK: two columns per character");
    ok(pp_display_width("wébserveur") == 10, "é (two bytes): one column");
    ok(pp_display_width("e\xcc\x81") == 1, "a combining mark takes no column");
    ok(pp_display_width("a\xff" "b") == 3, "a byte that is no character: one column");
    ok(pp_display_width("") == 0, "empty: none");
    /* U+0378 is unassigned: wcwidth() rejects it, the console draws it as one '?' */
    ok(pp_display_width("a\xcd\xb8" "b") == 3, "a character wcwidth() rejects: one column");
    ok(pp_display_fit("東京", 3) == 3, "fit: the whole characters within 3 columns (one CJK)");
    ok(pp_display_fit("東京", 1) == 3, "fit: at least one character, even when wider");
    ok(pp_display_fit("a\xcd\xb8" "bc", 2) == 3, "fit: the rejected character takes its column");

    t = pp_table_new(3);
    pp_table_right(t, 1);
    pp_table_row(t, "NAME", "N", "LAST");
    pp_table_row(t, "東京", "10", NULL);
    pp_table_row(t, "a-long-name", "7", "x");
    pp_table_span(t, 1, "spanning text");
    out = printed(t);
    is_str(out,
           "NAME          N  LAST\n"
           "東京         10  -\n"
           "a-long-name   7  x\n"
           "             spanning text\n",
           "columns as wide as their longest entry, by display width; right-aligned numbers; NULL "
           "as '-'; a span from its column; the last column unpadded");
    free(out);
    pp_table_free(t);

    /* the one escaping rule, UTF-8 and an 8-bit charset */
    out = pp_escape("a\x1b[31m\xe2\x80\xae\xc2\x9b\xff", PP_ESC_FINAL);
    is_str(out, "a\\x1b[31m\\u202e\\u009b\\xff", "UTF-8: ESC, bidi override, C1 CSI, a bad byte");
    free(out);
    out = pp_escape("A\x9b" "31m\xe4\n", PP_ESC_BYTES | PP_ESC_LAYOUT | PP_ESC_FINAL);
    is_str(out, "A\\x9b31m\xe4\n",
           "8-bit charset: a C1 byte (CSI) escaped, a letter (0xe4) and the newline kept");
    free(out);

    setlocale(LC_ALL, "C");
    ok(pp_display_width("東京") == 6,
       "C locale: bytes that are no character of the locale count one column each");
    return tap_done();
}
