/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The change service: the one sequence every write of pcipass goes through, from the CLI and the
 * console alike (attach, detach, prepare, release, undo):
 *
 *   plan -> lock -> guests read again -> guards -> journal intent -> libvirt -> read back ->
 *   journal outcome -> unlock
 *
 * The lock is host-wide, so two pcipass processes never both pass the owner guard. What the
 * outcome says is what libvirt and the kernel hold afterwards, read back: "done" only when that
 * is so; a live detach the guest has not acknowledged is "requested", never "done". */
#ifndef PCIPASS_CHANGE_H
#define PCIPASS_CHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/app.h"
#include "pcipass/guard.h"
#include "pcipass/journal.h"
#include "pcipass/setup.h"

typedef enum {
    PP_CHANGE_ATTACH,
    PP_CHANGE_DETACH,
    PP_CHANGE_PREPARE,
    PP_CHANGE_RELEASE
} pp_change_kind;

typedef enum {
    PP_CHANGE_REFUSED,   /* a guard or a check stopped it: nothing was sent */
    PP_CHANGE_FAILED,    /* libvirt refused or failed: nothing changed (error slot) */
    PP_CHANGE_DONE,      /* made, and read back as made */
    PP_CHANGE_REQUESTED, /* asked, and libvirt does not hold the result (yet): an unplug the
                            guest has not acknowledged */
    PP_CHANGE_UNKNOWN,   /* asked, and libvirt's answer was lost (the connection died in the
                            call): the journal keeps the intent alone, as of a killed change,
                            and undo reads back what libvirt holds */
} pp_change_state;

/* Every change holds the host's lock (root: /run/pcipass.lock; others: one per user) and then
 * the journal's, JOURNAL.lock beside it (JOURNAL NULL: the default journal): the face names its
 * journal with pp_change_lock_journal. A fake host whose guests only this process sees (a sysfs
 * root and libvirt's test driver without a daemon: the demo, the golden tests) takes the
 * journal's alone (pp_change_lock_fake_host): it never waits for the real host's changes. */
void pp_change_lock_journal(const char *journal);
void pp_change_lock_fake_host(const char *journal);

/* How long a change waits for another pcipass's lock, and for a guest to release a function. */
#define PP_LOCK_WAIT_SECONDS 30
#define PP_UNPLUG_WAIT_SECONDS 5.0

typedef struct pp_change {
    /* the plan, filled by the face */
    pp_change_kind kind;
    const char *guest;       /* attach, detach: the guest's name */
    pp_hostdev *hds;         /* attach: the elements; the others use each one's .source */
    size_t n;
    bool want_live, want_config; /* neither: the default for the guest's state */
    bool force;                  /* every forceable finding passes (--force) */
    const pp_findings *accepted; /* else these forceable findings pass (the console's yes) */
    double wait;                 /* detach: seconds to wait for the guest's release */
    bool no_lock_wait;           /* fail at once when another pcipass holds the lock */
    const pp_jrec *undoes;       /* undo: the intent of the change this one reverts */
    char *guest_copy;            /* undo: the guest's name, owned (guests are read anew) */
    /* told what the change waits for (another pcipass, a guest's release), or NULL */
    void (*waiting)(void *arg, const char *msg);
    void *waiting_arg;

    /* the outcome */
    pp_change_state state;
    unsigned affect;
    pp_findings findings; /* what the guards said, under the lock */
    char *devices;        /* the functions, comma-separated */
    char *xml;            /* attach: as libvirt holds them now; detach: as the guest held them */
    char *pending;        /* detach: the functions the guest has not released */
    char *siblings;       /* detach: functions that share the guest slot and stay */
    char *moved;          /* attach: the guest addresses libvirt holds other than those asked
                             for, one line each (read back); NULL: each as asked */
    char *identity;       /* attach: the identities recorded in the guest's metadata, one line
                             per function ("ADDR vendor:device ..."); NULL: none */
    char *identity_error; /* recording (attach) or removing (detach) them failed: why; the
                             assignment stands */
    bool recorded;        /* the outcome is in the journal */
    char *record_error;   /* why not */
    char *error;          /* REFUSED, FAILED, REQUESTED: why, as the error slot said it (kept,
                             since reading guests again afterwards may set the slot anew) */
} pp_change;

/* The guards alone, for a face to show before it asks (no lock, nothing sent). false with the
 * error slot set when the plan itself is wrong (no such guest, a bad configuration choice). */
bool pp_change_check(pp_app *app, pp_change *c);
/* HD against each definition of guest G that AFFECT names (0: both) and the guest has: the one
 * validation of an element for a guest, for the service, the CLI and the form. false with the
 * error slot set. */
bool pp_hostdev_validate_guest(const pp_hostdev *hd, const pp_guest *g, unsigned affect);
/* The whole sequence. Returns c->state; on REFUSED and FAILED the error slot says why (for
 * REFUSED with findings, c->findings hold them). Guests are forgotten afterwards, so the faces
 * read them again. */
pp_change_state pp_change_apply(pp_app *app, pp_change *c);
void pp_change_clear(pp_change *c);

/* Records the current identity of the N functions of ADDRS (as the host shows them now) in the
 * pcipass metadata of guest GUEST, in every configuration of the guest that holds them, under the
 * host-wide lock (audit --record). *WHAT: one line per function recorded. false with the error
 * slot set. */
bool pp_change_record_identity(pp_app *app, const char *guest, const pp_pci_addr *addrs, size_t n,
                               char **what);
/* One line for an identity: "0000:03:00.0 8086:10fb subsystem 8086:000c class 020000 ...". */
char *pp_identity_line(const pp_identity *id);

/* The host-wide lock, for a caller that must read something before the change under it (undo
 * reads the journal): re-entrant, so the change takes it again. C gives the waiting callback and
 * no_lock_wait. false with the error slot set. */
bool pp_change_lock(const pp_change *c);
void pp_change_unlock(void);

/* Undo: the last change of the journal, resolved first when its process died before its
 * outcome (libvirt is asked what is there and the answer recorded). Fills C to revert it and
 * returns true; false with the error slot set when there is nothing to undo or the journal's
 * end is damaged. *RESOLVED_ONLY is set when resolving was all there was to do (the change was
 * not made, or was itself an undo): C is then not filled and the error slot says what happened.
 * DRY: a dry run looks the same way but writes nothing, the journal included. */
bool pp_change_plan_undo(pp_app *app, const pp_journal *j, const char *path, bool dry,
                         pp_change *c, bool *resolved_only);

/* The functions that go together with SOURCE, for the CLI's --whole-group / --all-functions and
 * the console form's "Also" choice alike: SOURCE, its device's other functions (ALL_FUNCTIONS;
 * SOURCE must be function 0) and the free endpoints of each one's IOMMU group (WHOLE_GROUP).
 * *SET is malloc'd. false with the error slot set. */
bool pp_change_build_set(const pp_guard_in *in, const pp_pci_addr *source, bool whole_group,
                         bool all_functions, pp_pci_addr **set, size_t *n);
/* One element per function of SET, TMPL's options applied to each (TMPL->source is the function
 * the operator named); with ALL_FUNCTIONS, the functions of one device share one guest slot,
 * multifunction on function 0, at TMPL's guest address or the guest's first free slot (a hot-plug
 * one for a live change, per AFFECT). *OUT is malloc'd. false with the error slot set. */
/* pcipass's one zPCI id policy (both faces): on an s390x guest, HD's uid and fid that are not
 * given become the host function's own where the guest (and OTHERS, the elements going with it)
 * has them free; the rest libvirt picks (the lowest free). pp_change_build_hostdevs applies it. */
void pp_change_zpci_ids(const pp_host *h, const pp_guest *g, const pp_hostdev *others,
                        size_t nothers, pp_hostdev *hd);
bool pp_change_build_hostdevs(const pp_hostdev *tmpl, bool all_functions, const pp_host *h,
                              const pp_guest *g, unsigned affect, const pp_pci_addr *set,
                              size_t n, pp_hostdev **out);
/* The guest slot of the N elements of V that pcipass chose (guest_addr_chosen) chosen again in
 * guest G as read now (under the change lock: another change may have taken the first choice
 * while this one waited). false with the error slot set when no slot is free. */
bool pp_change_rechoose_slot(const pp_host *h, const pp_guest *g, unsigned affect, pp_hostdev *v,
                              size_t n);

/* ---- setup steps (setup.h plans them) ---- */

/* The whole sequence; LOCKOPTS gives waiting and no_lock_wait. Plans again under the lock; SEEN
 * (NULL: none), the plan the operator was shown, refuses it when the edits are not the same. */
pp_setup_state pp_setup_apply(pp_app *app, const pp_step *s, const pp_change *lockopts,
                              const pp_setup_plan *seen, pp_setup_plan *p);
/* Undo of the setup change T of J: every file back byte for byte, refused (naming it) when one
 * has changed since; the step's commands again; the undo journaled. DRY: say, change nothing.
 * *WHAT: what was (or would be) done, one line each. false with the error slot set. */
bool pp_setup_undo(pp_app *app, const pp_journal *j, const pp_jchange *t, const char *path,
                   bool dry, char **what);

#endif
