/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `pcipass setup`: the changes `check` asks for, made with the discipline of a change. Each step
 * is planned (the files it replaces, byte for byte, and the host commands it runs), shown as a
 * unified diff, and applied as one sequence: lock, plan again under it, journal intent with the
 * bytes of every file before and after, the edits, the commands, read back, journal outcome.
 * Undo puts every file back byte for byte and refuses when one has changed since. The plans are
 * this module's; the sequence and its undo are the change service's (change.h).
 *
 * Every file is under the configuration root (--conf-root) and every attribute under the sysfs
 * root; with any root given (a fake root) no host command runs: the plan says which would. */
#ifndef PCIPASS_SETUP_H
#define PCIPASS_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/app.h"

typedef enum { PP_STEP_IOMMU, PP_STEP_VFIO, PP_STEP_VFS, PP_STEP_BIND } pp_step_kind;

typedef struct pp_step {
    pp_step_kind kind;
    pp_pci_addr dev; /* vfs: the PF; bind: the function */
    unsigned nvfs;   /* vfs */
    bool iommu_pt;   /* iommu: iommu=pt too (offered, never forced) */
} pp_step;

typedef struct pp_setup_edit {
    char *path;  /* on the host, as shown: /etc/default/grub.d/pcipass.cfg */
    char *real;  /* where it is written: under the configuration root */
    char *before, *after; /* NULL: absent */
    size_t before_len, after_len;
} pp_setup_edit;

typedef enum {
    PP_SETUP_NOTHING,   /* nothing to do: it is so already (or configured, pending a reboot) */
    PP_SETUP_MANUAL,    /* pcipass knows no edit for it: the note says what to do */
    PP_SETUP_REFUSED,   /* a guard or a check stopped it: nothing changed */
    PP_SETUP_FAILED,    /* an edit or a command failed: what was written is put back */
    PP_SETUP_DONE,      /* made and read back as made */
    PP_SETUP_REQUESTED, /* made, but the read back does not show it (the kernel disagrees) */
} pp_setup_state;

typedef struct pp_setup_plan {
    pp_step step;
    char *what; /* one line: what the step does, or why nothing */
    pp_setup_edit *edits;
    size_t nedits;
    char **commands; /* host commands, in order (argv words separated by spaces) */
    size_t ncommands;
    bool fake;        /* a root was given: commands are not run */
    char *sysfs_attr; /* vfs: the sriov_numvfs attribute; NULL: none */
    unsigned vfs_from;
    bool reboot; /* takes effect at the next boot */
    char *note;  /* one more line: the words to add by hand, iommu=pt offered, ... */
    char *words; /* iommu: the kernel parameters the edit adds, read back from the boot
                    configuration as the boot loader's tools read it */
    /* the outcome */
    pp_setup_state state;
    char *error;
    bool recorded;
    char *record_error;
} pp_setup_plan;

/* The step names, for the faces: "iommu", "vfio", "vfs", "bind". */
const char *pp_step_name(pp_step_kind k);
/* Checks operator input against the host: a DEVICE on it, a PF for vfs, N within
 * sriov_totalvfs. false with the error slot naming the value and the range (usage, exit 2). */
bool pp_setup_validate(pp_app *app, const pp_step *s);
/* The steps `check` fails or warns on that have a known fix, in order (*OUT malloc'd). */
size_t pp_setup_auto(pp_app *app, pp_step **out);
/* The plan: state NOTHING, MANUAL or REFUSED (with error) when there is nothing to apply. */
void pp_setup_plan_step(pp_app *app, const pp_step *s, pp_setup_plan *p);
/* A unified diff of one edit (malloc'd); "" when before and after are the same. */
char *pp_setup_diff(const pp_setup_edit *e);
void pp_setup_plan_clear(pp_setup_plan *p);

/* ---- what setup's plans and the change service's sequence for them share ---- */

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

/* For check: where the boot configuration pcipass setup edits holds WORDS while the running
 * kernel's command line does not ("/etc/default/grub.d/pcipass.cfg"); NULL when it does not. */
char *pp_setup_boot_configured(pp_app *app, const char *words);
/* Whether kernel parameter NAME ("intel_iommu=") is set, last occurrence, to a list holding
 * VALUE. */
bool pp_cmdline_has(const char *cmdline, const char *name, const char *value);

#endif
