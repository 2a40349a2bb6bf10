/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The undo journal: every change pcipass applied (attach, detach, prepare, release, undo), one
 * record each, appended with one write() to a file opened O_APPEND and fsync'd. A record is
 *
 *   #pcipass-journal v1 LENGTH CRC32\n PAYLOAD \n
 *
 * with PAYLOAD "key value" lines (backslash-escaped), an empty line, then the XML verbatim. A torn
 * or damaged record (crash, full disk) fails its length or checksum and is skipped by the reader,
 * which finds the next record by its header. Plain text so that an operator can read it with less. */
#ifndef PCIPASS_JOURNAL_H
#define PCIPASS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pp_jrec {
    char *id;      /* unique: time and pid; set by pp_journal_append when NULL */
    char *time;    /* UTC, ISO 8601; set by pp_journal_append when NULL */
    char *uri;
    char *guest;   /* NULL for prepare/release */
    char *uuid;
    char *action;  /* attach, detach, prepare, release, undo */
    char *devices; /* host functions, comma-separated */
    char *flags;   /* live, config, force, ... comma-separated */
    char *undoes;  /* undo: the id of the record it reverted */
    char *xml;     /* the elements as libvirt stored (attach) or held (detach) them */
} pp_jrec;

typedef struct pp_journal {
    pp_jrec *v;
    size_t n;
    size_t torn; /* damaged records skipped */
} pp_journal;

/* The journal file: OVERRIDE (--journal), else $PCIPASS_JOURNAL, else /var/lib/pcipass/journal
 * for root, else $XDG_STATE_HOME/pcipass/journal ($HOME/.local/state when unset). Caller frees. */
char *pp_journal_path(const char *override);
/* Opens PATH for appending, creating its directories (mode 0700). -1 with the error slot set.
 * Opened before a change is sent, so that an unwritable journal stops the change, not its record. */
int pp_journal_open(const char *path);
/* One record, one write(), fsync. false with the error slot set. */
bool pp_journal_append(int fd, const char *path, pp_jrec *r);
/* Every intact record; a missing file is an empty journal. false with the error slot set. */
bool pp_journal_read(const char *path, pp_journal *out);
void pp_journal_clear(pp_journal *j);
void pp_jrec_clear(pp_jrec *r);
/* The last change not yet undone (undo records themselves are not undone); NULL when none. */
const pp_jrec *pp_journal_undo_target(const pp_journal *j);
/* Whether the comma-separated FLAGS hold FLAG. */
bool pp_jrec_has_flag(const pp_jrec *r, const char *flag);

#endif
