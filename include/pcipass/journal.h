/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The undo journal: every change pcipass makes, as two records appended with one write() each to a
 * file opened O_APPEND and fsync'd: an intent before libvirt is asked, an outcome after pcipass
 * read back what libvirt holds. A record is
 *
 *   #pcipass-journal v2 LENGTH CRC32\n JSON-OBJECT \n
 *
 * (CRC32 of zlib over the JSON text). A torn or damaged record (crash, full disk, a flipped byte)
 * fails its length or checksum; the reader counts it, remembers where it was and finds the next
 * record by its header. Version 1 records (key-value text) of earlier pcipass are still read. An
 * intent without an outcome is a change whose process died: history shows it and undo asks libvirt
 * what is there before it does anything. */
#ifndef PCIPASS_JOURNAL_H
#define PCIPASS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/hostdev.h"

/* A file a setup step replaced: its bytes before and after (NULL: the file was absent), so that
 * undo restores it byte for byte and can tell whether it changed since. */
typedef struct pp_jfile {
    char *path; /* absolute, under the configuration root the step wrote to */
    char *before, *after;
    size_t before_len, after_len;
} pp_jfile;

typedef struct pp_jrec {
    char *id;      /* unique: time and pid; set by pp_journal_append when NULL */
    char *time;    /* UTC, ISO 8601; set by pp_journal_append when NULL */
    char *uri;
    char *phase;   /* intent; or the outcome: done, requested, failed; NULL in version 1 (done) */
    char *intent;  /* an outcome: the id of its intent */
    char *guest;   /* NULL for prepare/release */
    char *uuid;
    char *action;  /* attach, detach, prepare, release, setup, undo */
    char *devices; /* host functions, comma-separated */
    char *flags;   /* live, config, force, ... comma-separated */
    char *undoes;  /* undo: the id of the change it reverts */
    char *xml;     /* the elements as libvirt stored (attach) or held (detach) them, for reading */
    pp_hostdev *elems; /* the same as fields: what undo rebuilds from (never from the text) */
    size_t nelems;
    pp_jfile *files;   /* setup: every file the step replaces */
    size_t nfiles;
    char *commands;    /* setup: the host commands, one a line ("not run: " where not run) */
} pp_jrec;

/* One change: its intent and, once known, its outcome (both index into pp_journal.v). */
typedef struct pp_jchange {
    size_t intent;
    long outcome;   /* -1: none yet (the process died, or is still at work) */
    bool undone;    /* a later undo of it is done */
    bool damaged_after; /* a damaged record lies after this change's last record */
} pp_jchange;

typedef struct pp_journal {
    pp_jrec *v;
    size_t n;
    size_t torn; /* damaged records skipped */
    pp_jchange *changes; /* in journal order */
    size_t nchanges;
} pp_journal;

/* The journal file: OVERRIDE (--journal), else $PCIPASS_JOURNAL, else /var/lib/pcipass/journal
 * for root, else $XDG_STATE_HOME/pcipass/journal, else $HOME/.local/state/pcipass/journal; never
 * a relative path (NULL with the error slot set when none can be found). Caller frees. */
char *pp_journal_path(const char *override);
/* Opens PATH for appending, creating its directories (mode 0700). Refuses a directory or file
 * not owned by this user or writable by others, a link, and anything but a regular file (never
 * blocks on a FIFO). -1 with the error slot set. Opened before a change is sent, so that an
 * unusable journal stops the change, not its record. */
int pp_journal_open(const char *path);
/* JOURNAL.lock, read-write, with the journal's own checks (its directories made and trusted, no
 * link followed, a regular file of this user): the change lock of a fake host (see change.h). */
int pp_journal_open_lock(const char *journal);
/* One record, one write(), fsync. false with the error slot set. */
bool pp_journal_append(int fd, const char *path, pp_jrec *r);
/* Every intact record, grouped into changes, in time linear in the file's size; a missing file
 * is an empty journal. The same ownership and file-type rules as pp_journal_open. false with the
 * error slot set. */
bool pp_journal_read(const char *path, pp_journal *out);
void pp_journal_clear(pp_journal *j);
void pp_jrec_clear(pp_jrec *r);
/* Adds a copy of a file's bytes before and after (either NULL: absent) to R. */
void pp_jrec_add_file(pp_jrec *r, const char *path, const char *before, size_t before_len,
                      const char *after, size_t after_len);
/* The change undo is about: the last one not undone and not failed, undo changes themselves
 * left out; NULL when none. */
const pp_jchange *pp_journal_undo_target(const pp_journal *j);
/* What a change's outcome says: "done", "requested", "failed", or "unknown" when it has none. */
const char *pp_jchange_state(const pp_journal *j, const pp_jchange *c);
/* Whether R is a setup step or the undo of one (files, not libvirt). */
bool pp_jrec_is_setup(const pp_jrec *r);
/* Whether the comma-separated FLAGS hold FLAG. */
bool pp_jrec_has_flag(const pp_jrec *r, const char *flag);

#endif
