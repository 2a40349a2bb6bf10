/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Arbitrary bytes through the one escaping rule (common.h): whatever comes in, what goes out holds
 * no control character (but newline and tab where they are kept), no C1 or bidi control, and is
 * valid UTF-8; escaping twice changes nothing; and the character-at-a-time form the output guard
 * uses, fed in pieces, gives the same text as the whole at once. */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "fuzz.h"

/* Valid UTF-8 without C0 (but newline and tab when LAYOUT), DEL, C1, or bidi controls. */
static bool clean(const char *s, bool layout)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        unsigned c = *p;
        size_t len, i;
        unsigned long cp;

        if (c < 0x80) {
            if ((c < 0x20 && !(layout && (c == '\n' || c == '\t'))) || c == 0x7f)
                return false;
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, cp = c & 0x07;
        else
            return false;
        for (i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
            (cp >= 0x2066 && cp <= 0x2069))
            return false;
        p += len;
    }
    return true;
}

/* S escaped in pieces of at most CHUNK bytes, as the output guard gets them from stdio. */
static char *in_pieces(const char *s, size_t n, size_t chunk, unsigned flags)
{
    char *out = xmalloc(n * PP_ESCAPE_MAX + 1), one[PP_ESCAPE_MAX], pend[8];
    size_t used = 0, npend = 0, pos = 0;

    while (pos < n || npend) {
        size_t take = n - pos < chunk ? n - pos : chunk, k, m;
        bool final = pos + take >= n;
        char *buf = xmalloc(npend + take + 1);
        memcpy(buf, pend, npend);
        memcpy(buf + npend, s + pos, take);
        m = npend + take;
        pos += take;
        npend = 0;
        for (k = 0; k < m;) {
            size_t step = pp_escape_step(buf + k, m - k, flags | (final ? PP_ESC_FINAL : 0), one);
            if (step == 0) {
                memcpy(pend, buf + k, m - k);
                npend = m - k;
                break;
            }
            memcpy(out + used, one, strlen(one));
            used += strlen(one);
            k += step;
        }
        free(buf);
        if (final && !npend)
            break;
    }
    out[used] = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1), *e, *e2, *j, *l, *p;

    memcpy(s, data, size);
    s[size] = '\0'; /* as C strings come in: up to the first NUL */
    size = strlen(s);

    e = pp_escape_ctl(s);
    if (!clean(e, false))
        abort();
    e2 = pp_escape_ctl(e);
    if (strcmp(e, e2) != 0)
        abort();
    l = pp_escape(s, PP_ESC_LAYOUT);
    if (!clean(l, true))
        abort();
    p = in_pieces(s, size, size ? 1 + data[0] % 7 : 1, PP_ESC_LAYOUT);
    if (strcmp(l, p) != 0)
        abort();
    /* JSON: valid UTF-8 and free of raw controls but the layout's newlines */
    j = pp_escape(s, PP_ESC_JSON | PP_ESC_LAYOUT);
    if (!clean(j, true))
        abort();
    /* the error slot keeps whole characters at any length */
    pp_error_set("%s%s%s", s, s, s);
    if (!clean(pp_error_get(), false))
        abort();
    pp_error_clear();
    free(s);
    free(e);
    free(e2);
    free(l);
    free(p);
    free(j);
    return 0;
}
