/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An open-addressing set of strings whose bytes sit in large blocks: one allocation per block,
 * not per string. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/strpool.h"

enum { BLOCK = 16384 };

typedef struct block {
    struct block *next;
    size_t used, size;
    char bytes[];
} block;

struct pp_strpool {
    const char **slots; /* NULL: empty */
    size_t nslots, n;   /* nslots a power of two, at most half full */
    block *blocks;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

pp_strpool *pp_strpool_new(void)
{
    pp_strpool *p = xcalloc(1, sizeof(*p));
    p->nslots = 64;
    p->slots = xcalloc(p->nslots, sizeof(*p->slots));
    return p;
}

static const char **find(const char **slots, size_t nslots, const char *s)
{
    size_t i = (size_t)hash(s) & (nslots - 1);
    while (slots[i] && strcmp(slots[i], s) != 0)
        i = (i + 1) & (nslots - 1);
    return &slots[i];
}

static char *copy(pp_strpool *p, const char *s)
{
    size_t len = strlen(s) + 1;
    block *b = p->blocks;

    if (!b || b->size - b->used < len) {
        /* a long string gets a block of its own, the current one stays open */
        size_t size = len > BLOCK / 4 ? len : BLOCK;
        block *nb = xmalloc(sizeof(*nb) + size);
        nb->used = 0;
        nb->size = size;
        if (b && size != BLOCK) {
            nb->next = b->next;
            b->next = nb;
            b = nb;
        } else {
            nb->next = b;
            p->blocks = b = nb;
        }
    }
    memcpy(b->bytes + b->used, s, len);
    b->used += len;
    return b->bytes + b->used - len;
}

const char *pp_strpool_add(pp_strpool *p, const char *s)
{
    const char **slot;

    if (!s)
        return NULL;
    slot = find(p->slots, p->nslots, s);
    if (*slot)
        return *slot;
    if (2 * (p->n + 1) > p->nslots) {
        size_t n2 = p->nslots * 2, i;
        const char **s2 = xcalloc(n2, sizeof(*s2));
        for (i = 0; i < p->nslots; i++)
            if (p->slots[i])
                *find(s2, n2, p->slots[i]) = p->slots[i];
        free(p->slots);
        p->slots = s2;
        p->nslots = n2;
        slot = find(p->slots, p->nslots, s);
    }
    p->n++;
    return *slot = copy(p, s);
}

const char *pp_strpool_take(pp_strpool *p, char *s)
{
    const char *k = pp_strpool_add(p, s);
    free(s);
    return k;
}

void pp_strpool_free(pp_strpool *p)
{
    if (!p)
        return;
    while (p->blocks) {
        block *b = p->blocks;
        p->blocks = b->next;
        free(b);
    }
    free(p->slots);
    free(p);
}
