/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pp_strpool: one copy per distinct string, whatever the pool's growth and the strings' lengths. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/strpool.h"
#include "tap.h"

int main(void)
{
    pp_strpool *p = pp_strpool_new();
    const char *a, *b, *k[3000], *longs;
    char name[32], *big;
    size_t i;
    bool same = true, distinct = true, kept = true;

    ok(pp_strpool_add(p, NULL) == NULL, "NULL stays NULL");
    a = pp_strpool_add(p, "vfio-pci");
    b = pp_strpool_take(p, xstrdup("vfio-pci"));
    ok(a == b && strcmp(a, "vfio-pci") == 0, "the same string twice: one copy");
    ok(pp_strpool_add(p, "vfio_pci") != a, "another string: another copy");
    ok(*pp_strpool_add(p, "") == '\0' && pp_strpool_add(p, "") == pp_strpool_add(p, ""),
       "the empty string is one string too");
    /* past many a growth of the table and many a block */
    for (i = 0; i < 3000; i++) {
        snprintf(name, sizeof(name), "vfio%zu", i);
        k[i] = pp_strpool_add(p, name);
    }
    for (i = 0; i < 3000; i++) {
        snprintf(name, sizeof(name), "vfio%zu", i);
        same = same && pp_strpool_add(p, name) == k[i];
        kept = kept && strcmp(k[i], name) == 0;
        distinct = distinct && (i == 0 || k[i] != k[i - 1]);
    }
    ok(same, "3000 strings: each found again as the same copy");
    ok(kept, "and each copy intact");
    ok(distinct, "and distinct strings distinct copies");
    ok(pp_strpool_add(p, "vfio-pci") == a, "the first string still found after the growth");
    /* longer than a quarter block: a block of its own, the open block still used after it */
    big = xmalloc(20000);
    memset(big, 'x', 19999);
    big[19999] = '\0';
    longs = pp_strpool_add(p, big);
    ok(longs != big && strcmp(longs, big) == 0 && pp_strpool_add(p, big) == longs,
       "a string longer than a block: kept whole, once");
    ok(strcmp(pp_strpool_add(p, "after-long"), "after-long") == 0 && strcmp(k[2999], "vfio2999") == 0,
       "strings before and after it intact");
    free(big);
    pp_strpool_free(p);
    pp_strpool_free(NULL);
    ok(true, "freed, and a NULL pool frees as nothing");
    return tap_done();
}
