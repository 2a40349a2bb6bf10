/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text tables padded by display width (see pcipass/table.h). */
#include <config.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "pcipass/common.h"
#include "pcipass/table.h"

typedef struct row {
    char **cell; /* ncols cells; NULL for a span row */
    size_t span_col;
    char *span;
} row;

struct pp_table {
    size_t ncols, nrows; /* ncols counts the lead column */
    row *rows;
    bool *right;
    bool lead;        /* a column in front, filled from lead_value (a fleet's HOST) */
    char *lead_header, *lead_value;
};

/* The next character of S (LEN bytes left): its bytes, and in *COLS its columns by the one rule
 * (pp_display_width). */
static size_t next_char(const char *s, size_t len, mbstate_t *st, size_t *cols)
{
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, len, st);
    int cw;

    if (n == (size_t)-1 || n == (size_t)-2) {
        /* not a character here: the terminal shows something one column wide */
        memset(st, 0, sizeof(*st));
        *cols = 1;
        return 1;
    }
    cw = wcwidth(wc);
    *cols = cw < 0 ? 1 : (size_t)cw; /* the console draws such a character as one '?' */
    return n ? n : 1;
}

size_t pp_display_width(const char *s)
{
    mbstate_t st;
    size_t w = 0, len = strlen(s);

    memset(&st, 0, sizeof(st));
    while (len > 0) {
        size_t cols, n = next_char(s, len, &st, &cols);
        w += cols;
        s += n;
        len -= n;
    }
    return w;
}

size_t pp_display_fit(const char *s, size_t width)
{
    mbstate_t st;
    size_t used = 0, off = 0, len = strlen(s);

    memset(&st, 0, sizeof(st));
    while (off < len) {
        size_t cols, n = next_char(s + off, len - off, &st, &cols);
        if (used + cols > width && off > 0)
            break;
        used += cols;
        off += n;
    }
    return off;
}

pp_table *pp_table_new(size_t ncols)
{
    pp_table *t = xcalloc(1, sizeof(*t));
    t->ncols = ncols;
    t->right = xcalloc(ncols, sizeof(*t->right));
    return t;
}

static row *add_row(pp_table *t)
{
    t->rows = xreallocarray(t->rows, t->nrows + 1, sizeof(*t->rows));
    memset(&t->rows[t->nrows], 0, sizeof(row));
    return &t->rows[t->nrows++];
}

void pp_table_row(pp_table *t, ...)
{
    row *r = add_row(t);
    va_list ap;
    size_t i;

    r->cell = xcalloc(t->ncols, sizeof(*r->cell));
    va_start(ap, t);
    i = 0;
    if (t->lead) {
        const char *l = t->nrows == 1 ? t->lead_header : t->lead_value;
        r->cell[i++] = xstrdup(l ? l : "-");
    }
    for (; i < t->ncols; i++) {
        const char *c = va_arg(ap, const char *);
        /* one place for every table: a name cannot forge a row or a column */
        r->cell[i] = pp_escape_ctl(c ? c : "-");
    }
    va_end(ap);
}

void pp_table_lead(pp_table *t, const char *header)
{
    size_t c;

    if (t->lead)
        return;
    t->lead = true;
    t->lead_header = xstrdup(header);
    t->ncols++;
    t->right = xreallocarray(t->right, t->ncols, sizeof(*t->right));
    for (c = t->ncols - 1; c > 0; c--)
        t->right[c] = t->right[c - 1];
    t->right[0] = false;
}

void pp_table_lead_value(pp_table *t, const char *value)
{
    free(t->lead_value);
    /* a host's URI as the operator gave it (a hosts file): no control byte reaches the terminal */
    t->lead_value = value ? pp_escape_ctl(value) : NULL;
}

void pp_table_span(pp_table *t, size_t col, const char *text)
{
    row *r = add_row(t);
    col += t->lead;
    r->span_col = col < t->ncols ? col : t->ncols - 1;
    r->span = pp_escape_ctl(text);
}

void pp_table_right(pp_table *t, size_t col)
{
    col += t->lead;
    if (col < t->ncols)
        t->right[col] = true;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

void pp_table_print(const pp_table *t, FILE *out)
{
    size_t *w = xcalloc(t->ncols, sizeof(*w)), i, c;

    for (i = 0; i < t->nrows; i++)
        for (c = 0; t->rows[i].cell && c < t->ncols; c++) {
            size_t cw = pp_display_width(t->rows[i].cell[c]);
            if (cw > w[c])
                w[c] = cw;
        }
    for (i = 0; i < t->nrows; i++) {
        const row *r = &t->rows[i];
        if (!r->cell) {
            for (c = 0; c < r->span_col; c++)
                pad(out, w[c] + 2);
            fprintf(out, "%s\n", r->span);
            continue;
        }
        for (c = 0; c < t->ncols; c++) {
            size_t cw = pp_display_width(r->cell[c]);
            bool last = c + 1 == t->ncols;
            if (t->right[c])
                pad(out, w[c] - cw);
            fputs(r->cell[c], out);
            if (!last && !t->right[c])
                pad(out, w[c] - cw);
            if (!last)
                fputs("  ", out);
        }
        fputc('\n', out);
    }
    free(w);
}

void pp_table_free(pp_table *t)
{
    size_t i, c;

    if (!t)
        return;
    for (i = 0; i < t->nrows; i++) {
        for (c = 0; t->rows[i].cell && c < t->ncols; c++)
            free(t->rows[i].cell[c]);
        free(t->rows[i].cell);
        free(t->rows[i].span);
    }
    free(t->rows);
    free(t->right);
    free(t->lead_header);
    free(t->lead_value);
    free(t);
}
