/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the setup files share: roots, files, the VFIO rule and the SR-IOV guard. */
#ifndef PCIPASS_SETUP_PRIVATE_H
#define PCIPASS_SETUP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/setup.h"

/* Whether F is on VFIO. Setup's one question of it, asked here only. */
bool pp_setup_on_vfio(const pp_function *f);
/* Any root given (other than /): write only under them, run no host command. */
bool pp_setup_is_fake(const pp_app *app);
/* PATH under ROOT ("" or NULL: the host's own), made absolute. Caller frees. */
char *pp_setup_under(const char *root, const char *path);
/* The bytes of REAL, or NULL when absent; *ERR: another failure (error slot set). */
char *pp_setup_slurp(const char *real, size_t *len, bool *err);
/* The VFs the kernel shows under the PF (virtfnN links); -1 when unreadable. */
int pp_setup_count_vfs(const pp_app *app, const pp_pci_addr *pf);
/* The VFs of PF a guest holds (any configuration) or that are on VFIO, as a list; NULL: none. */
char *pp_setup_vfs_blockers(pp_app *app, const pp_pci_addr *pf);
void pp_setup_edit_clear(pp_setup_edit *e);

#endif
