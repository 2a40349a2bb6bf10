/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The unified diff of a setup edit, as `diff -u` writes it (three lines of context), so that an
 * operator reads it as any patch. Line-based longest common subsequence: the files setup edits
 * are a few lines long; past a bound, the whole file is shown replaced. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "pcipass/setup.h"

#define CONTEXT 3
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX_LINES 2000

typedef struct line {
    const char *p;
    size_t n;   /* without the newline */
    bool nl;    /* ends in a newline */
} line;

static size_t split(const char *s, size_t len, line **out)
{
    size_t n = 0, cap = 0, i = 0;

    *out = NULL;
    while (s && i < len) {
        const char *e = memchr(s + i, '\n', len - i);
        size_t l = e ? (size_t)(e - (s + i)) : len - i;
        if (n == cap)
            *out = xreallocarray(*out, cap = cap ? cap * 2 : 16, sizeof(**out));
        (*out)[n++] = (line){ s + i, l, e != NULL };
        i += l + (e != NULL);
    }
    return n;
}

static bool same(const line *a, const line *b)
{
    return a->n == b->n && a->nl == b->nl && memcmp(a->p, b->p, a->n) == 0;
}

/* The edit script: '=' '-' '+' per line of the result, A and B walked in order. */
static size_t script(const line *a, size_t na, const line *b, size_t nb, char **ops)
{
    size_t i, j, k = 0;
    uint32_t *L = NULL;

    *ops = xmalloc(na + nb + 1);
    if (na <= MAX_LINES && nb <= MAX_LINES) {
        L = xcalloc((na + 1) * (nb + 1), sizeof(*L));
        for (i = na; i-- > 0;)
            for (j = nb; j-- > 0;)
                L[i * (nb + 1) + j] = same(&a[i], &b[j])
                                          ? L[(i + 1) * (nb + 1) + j + 1] + 1
                                          : MAX(L[(i + 1) * (nb + 1) + j], L[i * (nb + 1) + j + 1]);
    }
    for (i = j = 0; i < na || j < nb;) {
        if (L && i < na && j < nb && same(&a[i], &b[j])) {
            (*ops)[k++] = '=';
            i++, j++;
        } else if (i < na &&
                   (j == nb || !L || L[(i + 1) * (nb + 1) + j] >= L[i * (nb + 1) + j + 1])) {
            (*ops)[k++] = '-';
            i++;
        } else {
            (*ops)[k++] = '+';
            j++;
        }
    }
    free(L);
    return k;
}

static void range(pp_buf *b, char sign, size_t before, size_t count)
{
    if (count == 1)
        pp_buf_printf(b, "%c%zu", sign, before + 1);
    else
        pp_buf_printf(b, "%c%zu,%zu", sign, count ? before + 1 : before, count);
}

static void put_line(pp_buf *b, char sign, const line *l)
{
    char *t = xmalloc(l->n + 1);
    memcpy(t, l->p, l->n);
    t[l->n] = '\0';
    pp_buf_printf(b, "%c%s\n", sign == '=' ? ' ' : sign, t);
    free(t);
    if (!l->nl)
        pp_buf_add(b, "\\ No newline at end of file\n");
}

/* One hunk: ops [S, E), A and B at line AI, BI when it starts. */
static void hunk(pp_buf *b, const char *ops, size_t s, size_t e, const line *a, size_t ai,
                 const line *bl, size_t bi)
{
    size_t k, ca = 0, cb = 0;

    for (k = s; k < e; k++) {
        ca += ops[k] != '+';
        cb += ops[k] != '-';
    }
    pp_buf_add(b, "@@ ");
    range(b, '-', ai, ca);
    pp_buf_add(b, " ");
    range(b, '+', bi, cb);
    pp_buf_add(b, " @@\n");
    for (k = s; k < e; k++) {
        if (ops[k] == '+')
            put_line(b, '+', &bl[bi++]);
        else {
            put_line(b, ops[k], &a[ai++]);
            bi += ops[k] == '=';
        }
    }
}

char *pp_setup_diff(const pp_setup_edit *e)
{
    line *a, *bl;
    size_t na = split(e->before, e->before_len, &a), nb = split(e->after, e->after_len, &bl);
    size_t n, k, ai = 0, bi = 0;
    bool any = false;
    char *ops;
    pp_buf b = PP_BUF_INIT;

    n = script(a, na, bl, nb, &ops);
    pp_buf_printf(&b, "--- %s\n+++ %s\n", e->before ? e->path : "/dev/null",
                  e->after ? e->path : "/dev/null");
    for (k = 0; k < n;) {
        size_t s, end, last, ai0, bi0;
        if (ops[k] == '=') {
            ai++, bi++, k++;
            continue;
        }
        /* a hunk: from CONTEXT lines before this change to CONTEXT after the last change that
         * is at most 2 * CONTEXT equal lines from the one before */
        s = k >= CONTEXT ? k - CONTEXT : 0;
        ai0 = ai - (k - s);
        bi0 = bi - (k - s);
        for (last = end = k; end < n; end++) {
            if (ops[end] != '=')
                last = end;
            else if (end - last > 2 * CONTEXT)
                break;
        }
        end = MIN(last + 1 + CONTEXT, n);
        hunk(&b, ops, s, end, a, ai0, bl, bi0);
        any = true;
        for (; k < end; k++) {
            ai += ops[k] != '+';
            bi += ops[k] != '-';
        }
    }
    free(ops);
    free(a);
    free(bl);
    if (!any && (e->before != NULL) == (e->after != NULL)) {
        pp_buf_free(&b);
        return xstrdup("");
    }
    return pp_buf_take(&b);
}
