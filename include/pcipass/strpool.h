/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strings kept once: an inventory names the same driver, reset method and pci.ids names on
 * thousands of functions. A pool's strings live as long as the pool and are never freed alone. */
#ifndef PCIPASS_STRPOOL_H
#define PCIPASS_STRPOOL_H

typedef struct pp_strpool pp_strpool;

pp_strpool *pp_strpool_new(void);
/* The pool's copy of S (NULL for NULL): one per distinct string. */
const char *pp_strpool_add(pp_strpool *p, const char *s);
/* The same for a string of the caller's, which is freed. */
const char *pp_strpool_take(pp_strpool *p, char *s);
void pp_strpool_free(pp_strpool *p);

#endif
