/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of the change service share (src/change): the sequence in change.c, the lock,
 * identity, undo and the element builders beside it. Nothing outside src/change includes it. */
#ifndef PCIPASS_CHANGE_PRIVATE_H
#define PCIPASS_CHANGE_PRIVATE_H

#include "pcipass/change.h"
#include "pcipass/common.h"

/* A line for the operator while C waits (the lock, a release), through C's waiting callback. */
void pp_change_tell(const pp_change *c, const char *fmt, ...) PP_PRINTF(2, 3);
/* Whether definition D holds the element of source A. */
bool pp_change_in_def(const pp_domain_info *d, const pp_pci_addr *a);
/* R's elements: a copy of the N of V. */
void pp_change_copy_elems(pp_jrec *r, const pp_hostdev *v, size_t n);
/* The journal file of APP, opened for appending (journal.h's rules); -1 with the error slot set.
 * *PATH is malloc'd on success. */
int pp_change_journal_open(pp_app *app, char **path);
/* R appended to the journal FD at PATH (pp_journal_append) and, as one step, what a signal that
 * ends the process then says (pp_interrupt_note): an intent alone is an unknown change, an
 * outcome its state. false with the error slot set. */
bool pp_change_record(int fd, const char *path, pp_jrec *r);
/* Rewrites the pcipass metadata of the guest UUID, read anew, in each of its configurations in
 * AFFECT: the functions of ADD that the configuration holds recorded as the host shows them now;
 * entries of functions the configuration no longer holds dropped. *WHAT (may be NULL) gets one
 * line per function recorded. false with the error slot set. */
bool pp_change_write_identity(pp_app *app, const char *uuid, unsigned affect,
                              const pp_pci_addr *add, size_t nadd, char **what);
/* The step after the read-back of an attach or detach: the identity of C's functions rewritten
 * in guest G's definition; a failure goes to C->identity_error, the change stays. */
void pp_change_identity_step(pp_app *app, pp_change *c, const pp_guest *g);

#endif
