/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal: records read back as written, a torn last record skipped, records after damage still
 * found, and a writer killed at a random moment leaves only whole records. The torn and damaged
 * records themselves are made by hand, deterministically: the file cut at every length inside a
 * record, every byte of a record flipped, wrong checksums and lengths. */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/file.h"
#include "pcipass/journal.h"
#include "pcipass/zio.h"
#include "tap.h"

static void add(const char *path, const char *action, const char *devices, const char *xml)
{
    int fd = pp_journal_open(path);
    pp_jrec r = { 0 };

    r.uri = xstrdup("test:///default");
    r.guest = xstrdup("web01");
    r.uuid = xstrdup("6f0a6a6c-1d1e-4b8a-9e0a-000000000001");
    r.action = xstrdup(action);
    r.devices = xstrdup(devices);
    r.flags = xstrdup("config");
    r.xml = xstrdup(xml);
    if (fd < 0 || !pp_journal_append(fd, path, &r))
        printf("# append failed: %s\n", pp_error_get());
    pp_jrec_clear(&r);
    if (fd >= 0)
        close(fd);
}

static size_t count(const char *path, size_t *torn)
{
    pp_journal j;
    size_t n;
    if (!pp_journal_read(path, &j))
        return (size_t)-1;
    n = j.n;
    *torn = j.torn + j.cut;
    pp_journal_clear(&j);
    return n;
}

/* ---- torn and damaged records, made by hand ---- */

#define NREC 5
/* The records: fixed ids and times, so that their bytes are the same each run. Record 3 carries
 * header-like text in its fields (a guest name and an XML from outside). */
static const struct {
    const char *id, *action, *guest, *devices, *xml;
} recs[NREC] = {
    { "t0-1", "attach", "web01", "0000:17:02.3", "<hostdev/>" },
    { "t1-1", "detach", "web01", "0000:17:02.1", "<hostdev>\n  <source/>\n</hostdev>\n" },
    { "t2-1", "prepare", NULL, "0000:05:00.0", NULL },
    { "t3-1", "attach", "evil #pcipass-journal v2 7 0badc0de\n{}",
      "0000:03:00.0", "text with #pcipass-journal v1 inside and #pcipass-journal v2 9 1 after" },
    { "t4-1", "release", NULL, "0000:05:00.0", NULL },
};

static bool append_rec(const char *path, int k)
{
    int fd = pp_journal_open(path);
    pp_jrec r = { 0 };
    bool done;

    r.id = xstrdup(recs[k].id);
    r.time = xstrdup("2026-01-02T03:04:05Z");
    r.uri = xstrdup("test:///default");
    r.action = xstrdup(recs[k].action);
    r.guest = recs[k].guest ? xstrdup(recs[k].guest) : NULL;
    r.devices = xstrdup(recs[k].devices);
    r.xml = recs[k].xml ? xstrdup(recs[k].xml) : NULL;
    done = fd >= 0 && pp_journal_append(fd, path, &r);
    if (!done)
        printf("# append failed: %s\n", pp_error_get());
    pp_jrec_clear(&r);
    if (fd >= 0)
        close(fd);
    return done;
}

static bool put_bytes(const char *path, const char *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool done = fd >= 0 && write(fd, buf, len) == (ssize_t)len;
    if (fd >= 0)
        close(fd);
    return done;
}

static bool same_str(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* What the reader gives for PATH against what it should: the records WANT (indexes into recs),
 * TORN damaged ones, and which changes have damage after them (DAMAGED, a string of 'y' and 'n',
 * one per change). NULL when all is as it should be, else what is not (static). */
static const char *check_read(const char *path, const int *want, size_t nwant, size_t torn,
                              const char *damaged)
{
    static char why[256];
    pp_journal j;
    size_t i;

    if (!pp_journal_read(path, &j)) {
        snprintf(why, sizeof(why), "not read: %s", pp_error_get());
        return why;
    }
    why[0] = '\0';
    /* TORN counts both kinds of damage: records cut short and records changed afterwards */
    if (j.n != nwant || j.torn + j.cut != torn || j.nchanges != nwant)
        snprintf(why, sizeof(why), "%zu records (%zu wanted), %zu torn (%zu wanted), %zu changes",
                 j.n, nwant, j.torn + j.cut, torn, j.nchanges);
    for (i = 0; !why[0] && i < nwant; i++) {
        const pp_jrec *r = &j.v[i];
        int k = want[i];
        /* never a partial record: each one returned is one written, every field whole */
        if (!same_str(r->id, recs[k].id) || !same_str(r->action, recs[k].action) ||
            !same_str(r->guest, recs[k].guest) || !same_str(r->devices, recs[k].devices) ||
            !same_str(r->xml, recs[k].xml) || !same_str(r->uri, "test:///default"))
            snprintf(why, sizeof(why), "record %zu is not record %d as written (id %s)", i, k,
                     r->id ? r->id : "none");
        else if (j.changes[i].damaged_after != (damaged[i] == 'y'))
            snprintf(why, sizeof(why), "change %zu (record %d): damaged_after %d, %c wanted", i,
                     k, j.changes[i].damaged_after, damaged[i]);
    }
    pp_journal_clear(&j);
    return why[0] ? why : NULL;
}

/* Runs check_read over a loop's cases and says once how the loop went: the first case that
 * failed, and how many did. */
typedef struct loop_result {
    size_t cases, failed;
    char first[320];
} loop_result;

static void loop_check(loop_result *lr, const char *path, const int *want, size_t nwant,
                       size_t torn, const char *damaged, const char *what, size_t at)
{
    const char *why = check_read(path, want, nwant, torn, damaged);
    lr->cases++;
    if (why && !lr->failed++)
        snprintf(lr->first, sizeof(lr->first), "%s %zu: %s", what, at, why);
}

static void loop_report(const loop_result *lr, const char *what)
{
    ok(lr->cases > 0 && lr->failed == 0, "%s: %zu cases", what, lr->cases);
    if (lr->failed)
        printf("#   %zu failed; first: %s\n", lr->failed, lr->first);
}

/* SEG[K]..SEG[K + 1] is record K's bytes in ALL. */
static char *join(const char *all, const size_t *seg, const int *parts, const size_t *cut,
                  size_t nparts, size_t *len)
{
    char *buf = xmalloc(seg[NREC] * 2 + 64);
    size_t i, n = 0;

    for (i = 0; i < nparts; i++) {
        size_t k = (size_t)parts[i], l = seg[k + 1] - seg[k];
        if (cut && cut[i] < l)
            l = cut[i];
        memcpy(buf + n, all + seg[k], l);
        n += l;
    }
    *len = n;
    return buf;
}

static void torn_records(const char *dir)
{
    char *full = xasprintf("%s/torn-full", dir), *path = xasprintf("%s/torn", dir), *all, *buf;
    size_t seg[NREC + 1] = { 0 }, len, blen, l, i, k;
    struct stat st;
    loop_result lr;
    int idx;

    /* every record once, where each one starts and ends */
    for (idx = 0; idx < NREC; idx++) {
        if (!append_rec(full, idx) || stat(full, &st) != 0)
            break;
        seg[idx + 1] = (size_t)st.st_size;
    }
    all = pp_read_file(full, &len);
    ok(idx == NREC && all && len == seg[NREC], "%d records written, %zu bytes", NREC, len);
    if (idx != NREC || !all || len != seg[NREC])
        goto out;
    {
        static const int w[] = { 0, 1, 2, 3, 4 };
        const char *why = check_read(full, w, NREC, 0, "nnnnn");
        ok(!why, "all of them read back as written%s%s", why ? ": " : "", why ? why : "");
    }

    /* the last record cut at every length: the ones before it whole, the damage marked after
     * each of them; then a record appended after the torn tail with pcipass's own append */
    memset(&lr, 0, sizeof(lr));
    for (l = seg[3]; l <= seg[4]; l++) {
        static const int w[] = { 0, 1, 2, 3 };
        if (!put_bytes(path, all, l))
            lr.failed++;
        if (l == seg[3])
            loop_check(&lr, path, w, 3, 0, "nnn", "cut at the record's start", l);
        else if (l == seg[4])
            loop_check(&lr, path, w, 4, 0, "nnnn", "not cut", l);
        else
            loop_check(&lr, path, w, 3, 1, "nnn", "cut at length", l);
    }
    loop_report(&lr, "record 3 cut at every length from its first byte to its last: 0, 1 and 2 "
                     "read whole, nothing of record 3 returned, a write cut short that stops "
                     "no undo");
    memset(&lr, 0, sizeof(lr));
    for (l = seg[3] + 1; l < seg[4]; l++) {
        static const int w[] = { 0, 1, 2, 4 };
        if (!put_bytes(path, all, l) || !append_rec(path, 4))
            lr.failed++;
        loop_check(&lr, path, w, 4, 1, "nnnn", "appended after a cut at length", l);
    }
    loop_report(&lr, "a record appended after each torn tail of record 3 is read, the cut one "
                     "counted and marked as no damage");

    /* a record cut short with whole ones after it (a crash, then pcipass went on writing) */
    memset(&lr, 0, sizeof(lr));
    for (k = 1; k <= 3; k += 2) {
        for (l = 1; l < seg[k + 1] - seg[k]; l++) {
            /* 0, 1 cut, 2, 4; or 0, 3 cut (the one with header-like text), 4 */
            static const int p1[] = { 0, 1, 2, 4 }, p3[] = { 0, 3, 4 }, w1[] = { 0, 2, 4 },
                             w3[] = { 0, 4 };
            size_t cut[4] = { (size_t)-1, l, (size_t)-1, (size_t)-1 };
            buf = join(all, seg, k == 1 ? p1 : p3, cut, k == 1 ? 4 : 3, &blen);
            if (!put_bytes(path, buf, blen))
                lr.failed++;
            if (k == 1)
                loop_check(&lr, path, w1, 3, 1, "nnn", "record 1 cut at length", l);
            else
                loop_check(&lr, path, w3, 2, 1, "nn", "record 3 cut at length", l);
            free(buf);
        }
    }
    loop_report(&lr, "a whole record, one cut at every length, whole ones after: the whole ones "
                     "read, one record cut short counted, no damage marked");

    /* every bit flipped, one at a time, in every byte of record 1; only a hex letter of the
     * CRC field changing case leaves the record as it was (the same number) */
    memset(&lr, 0, sizeof(lr));
    {
        const char *crc_at = memchr(all + seg[1] + strlen("#pcipass-journal v2 "), ' ',
                                    seg[2] - seg[1]);
        size_t crc_off = crc_at ? (size_t)(crc_at + 1 - all) : 0;

        for (i = seg[1]; i < seg[2]; i++) {
            static const int w[] = { 0, 2 }, wall[] = { 0, 1, 2 };
            static const int parts[3] = { 0, 1, 2 };
            int bit;
            buf = join(all, seg, parts, NULL, 3, &blen);
            for (bit = 0; bit < 8; bit++) {
                bool same = i >= crc_off && i < crc_off + 8 && bit == 5 && buf[i] >= 'a' &&
                            buf[i] <= 'f';
                buf[i] ^= (char)(1 << bit);
                if (!put_bytes(path, buf, blen))
                    lr.failed++;
                if (same)
                    loop_check(&lr, path, wall, 3, 0, "nnn", "a CRC letter's case at offset", i);
                else
                    loop_check(&lr, path, w, 2, 1, "yn", "a bit flipped at offset", i);
                buf[i] ^= (char)(1 << bit);
            }
            free(buf);
        }
    }
    loop_report(&lr, "every bit of record 1 flipped in turn: 0 and 2 read, record 1 never");

    /* the header's numbers wrong, each still a well-formed number */
    {
        const char *rec = all + seg[1], *nl = memchr(rec, '\n', seg[2] - seg[1]);
        unsigned long long plen = 0;
        unsigned crc = 0;
        size_t hlen = nl ? (size_t)(nl - rec) + 1 : 0, h2;
        const char *nl2 = memchr(all + seg[2], '\n', seg[3] - seg[2]);

        h2 = nl2 ? (size_t)(nl2 - (all + seg[2])) + 1 : 0;
        ok(nl && sscanf(rec, "#pcipass-journal v2 %llu %x", &plen, &crc) == 2 &&
               plen == seg[2] - seg[1] - hlen - 1,
           "record 1's header read: length %llu, CRC %08x", plen, crc);
        memset(&lr, 0, sizeof(lr));
        {
            /* the last one reaches exactly to the newline after record 2's header */
            const unsigned long long lens[] = { plen + 1, plen - 1, 0, plen * 2, 99999999999ULL,
                                                plen + h2 };
            const unsigned crcs[] = { crc ^ 1u, crc ^ 0x80000000u, 0, ~crc };
            static const int w[] = { 0, 2 };

            for (i = 0; nl && i < sizeof(lens) / sizeof(lens[0]) + sizeof(crcs) / sizeof(crcs[0]);
                 i++) {
                bool by_len = i < sizeof(lens) / sizeof(lens[0]);
                char *hdr = by_len ? xasprintf("#pcipass-journal v2 %llu %08x\n", lens[i], crc)
                                   : xasprintf("#pcipass-journal v2 %llu %08x\n", plen,
                                               crcs[i - sizeof(lens) / sizeof(lens[0])]);
                char *b2 = xasprintf("%.*s%s%.*s%.*s", (int)seg[1], all, hdr,
                                     (int)(seg[2] - seg[1] - hlen), rec + hlen,
                                     (int)(seg[3] - seg[2]), all + seg[2]);
                if (!put_bytes(path, b2, strlen(b2)))
                    lr.failed++;
                loop_check(&lr, path, w, 2, 1, "yn", by_len ? "wrong length" : "wrong CRC", i);
                free(hdr);
                free(b2);
            }
        }
        loop_report(&lr, "record 1 with a wrong length (longer, shorter, 0, twice, too large, up "
                         "to the next header's newline) or a wrong CRC: 0 and 2 read");
    }

    /* a checksum that matches a payload that is no record */
    {
        const char *payload = "not a JSON object";
        char *b2 = xasprintf("%.*s#pcipass-journal v2 %zu %08x\n%s\n%.*s", (int)seg[1], all,
                             strlen(payload), pp_crc32(payload, strlen(payload)), payload,
                             (int)(seg[3] - seg[2]), all + seg[2]);
        static const int w[] = { 0, 2 };
        const char *why;
        ok(put_bytes(path, b2, strlen(b2)), "a record whose checksum matches, but not JSON");
        why = check_read(path, w, 2, 1, "yn");
        ok(!why, "it counts as damage, the others are read%s%s", why ? ": " : "", why ? why : "");
        free(b2);
    }

out:
    free(all);
    free(full);
    free(path);
}

int main(void)
{
    char dir[] = "/tmp/pcipass-journal.XXXXXX", *path, *path2;
    const char *xml = "<hostdev mode=\"subsystem\" type=\"pci\">\n  <source/>\n</hostdev>\n";
    pp_journal j;
    size_t torn = 0, n, i;
    struct stat st;
    pid_t pid;
    int fd, status;

    if (!mkdtemp(dir))
        return 99;
    /* directories are created on the way */
    path = xasprintf("%s/state/pcipass/journal", dir);
    ok(pp_journal_read(path, &j) && j.n == 0, "a missing journal reads as empty");
    pp_journal_clear(&j);

    add(path, "attach", "0000:17:02.3", xml);
    add(path, "detach", "0000:17:02.1", "with a \\ backslash\nand #pcipass-journal v1 inside");
    ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "journal created, mode 0600");
    ok(pp_journal_read(path, &j) && j.n == 2 && j.torn == 0, "two records read back");
    if (j.n == 2) {
        is_str(j.v[0].action, "attach", "action");
        is_str(j.v[0].guest, "web01", "guest");
        is_str(j.v[0].devices, "0000:17:02.3", "devices");
        is_str(j.v[0].xml, xml, "the XML exactly as written");
        is_str(j.v[1].xml, "with a \\ backslash\nand #pcipass-journal v1 inside",
               "a header-like line inside the XML is data");
        ok(j.v[0].time && strlen(j.v[0].time) == 20 && j.v[0].time[19] == 'Z', "UTC time: %s",
           j.v[0].time ? j.v[0].time : "");
        ok(j.v[0].id && j.v[1].id && strcmp(j.v[0].id, j.v[1].id) != 0, "ids differ");
        ok(pp_journal_undo_target(&j) == &j.changes[1], "undo takes the last change");
    }
    pp_journal_clear(&j);

    /* a torn last record: a write cut short (power loss) */
    fd = open(path, O_WRONLY | O_APPEND);
    ok(fd >= 0 && write(fd, "#pcipass-journal v1 500 0badc0de\nid x\naction att", 48) == 48,
       "a torn record appended");
    if (fd >= 0)
        close(fd);
    n = count(path, &torn);
    ok(n == 2 && torn == 1, "the torn record is skipped, the two before it kept (n=%zu torn=%zu)", n,
       torn);
    add(path, "prepare", "0000:05:00.0", "");
    n = count(path, &torn);
    ok(n == 3 && torn == 1, "a record after the torn one is found again (n=%zu torn=%zu)", n, torn);
    ok(pp_journal_read(path, &j) && j.n == 3 && j.v[2].action &&
           strcmp(j.v[2].action, "prepare") == 0,
       "and it is the new one");
    pp_journal_clear(&j);

    /* a flipped byte inside a record: its checksum fails, the others stay */
    fd = open(path, O_RDWR);
    if (fd >= 0) {
        char c;
        off_t off = 60; /* inside the first payload */
        ok(pread(fd, &c, 1, off) == 1, "read a byte of the first record");
        c ^= 0x20;
        ok(pwrite(fd, &c, 1, off) == 1, "flipped it");
        close(fd);
    }
    n = count(path, &torn);
    ok(n == 2 && torn == 2, "a damaged record fails its checksum and only it is lost (n=%zu)", n);

    /* undo bookkeeping: an undo record hides what it undid */
    path2 = xasprintf("%s/undo", dir);
    add(path2, "attach", "0000:00:01.0", "");
    add(path2, "attach", "0000:00:02.0", "");
    ok(pp_journal_read(path2, &j) && j.n == 2, "two changes");
    if (j.n == 2) {
        int ufd = pp_journal_open(path2);
        pp_jrec u = { 0 };
        u.action = xstrdup("undo");
        u.devices = xstrdup("0000:00:02.0");
        u.undoes = xstrdup(j.v[1].id);
        ok(ufd >= 0 && pp_journal_append(ufd, path2, &u), "undo recorded");
        pp_jrec_clear(&u);
        close(ufd);
    }
    pp_journal_clear(&j);
    ok(pp_journal_read(path2, &j) && j.n == 3 && pp_journal_undo_target(&j) == &j.changes[0],
       "the next undo takes the change before the undone one");
    pp_journal_clear(&j);

    /* intent and outcome: one change; an intent alone is unknown and what undo looks at */
    free(path2);
    path2 = xasprintf("%s/phases", dir);
    {
        int pfd = pp_journal_open(path2);
        pp_jrec a = { 0 }, b = { 0 }, c = { 0 };
        pp_hostdev hd = { 0 };
        hd.kind = PP_HD_INTERFACE;
        pp_pci_addr_parse("0000:17:02.3", "t", &hd.source);
        hd.managed = PP_MANAGED_NO;
        hd.has_uid = hd.has_fid = true;
        hd.uid = 0x17;
        hd.fid = 0x100;
        strcpy(hd.mac, "52:54:00:12:34:56");
        a.action = xstrdup("attach");
        a.devices = xstrdup("0000:17:02.3");
        a.phase = xstrdup("intent");
        a.elems = xcalloc(1, sizeof(hd));
        a.elems[0] = hd;
        a.nelems = 1;
        ok(pfd >= 0 && pp_journal_append(pfd, path2, &a), "intent appended");
        b.action = xstrdup("attach");
        b.devices = xstrdup("0000:17:02.3");
        b.phase = xstrdup("done");
        b.intent = xstrdup(a.id);
        ok(pp_journal_append(pfd, path2, &b), "its outcome appended");
        c.action = xstrdup("detach");
        c.devices = xstrdup("0000:17:02.3");
        c.phase = xstrdup("intent");
        ok(pp_journal_append(pfd, path2, &c), "a second intent, never finished");
        pp_jrec_clear(&a);
        pp_jrec_clear(&b);
        pp_jrec_clear(&c);
        close(pfd);
    }
    ok(pp_journal_read(path2, &j) && j.n == 3 && j.nchanges == 2, "three records, two changes");
    if (j.nchanges == 2) {
        is_str(pp_jchange_state(&j, &j.changes[0]), "done", "intent + outcome: done");
        is_str(pp_jchange_state(&j, &j.changes[1]), "unknown", "intent alone: unknown");
        ok(pp_journal_undo_target(&j) == &j.changes[1], "undo looks at the unfinished one");
        ok(j.v[0].nelems == 1 && j.v[0].elems[0].kind == PP_HD_INTERFACE &&
               j.v[0].elems[0].managed == PP_MANAGED_NO && j.v[0].elems[0].uid == 0x17 &&
               j.v[0].elems[0].fid == 0x100 && strcmp(j.v[0].elems[0].mac, "52:54:00:12:34:56") == 0,
           "an element's fields read back as written");
    }
    pp_journal_clear(&j);
    /* what undo reads of a journal of any size: the same target, state and marks */
    {
        pp_journal lj;
        const pp_jchange *ft, *lt;
        ok(pp_journal_read(path2, &j) && pp_journal_read_light(path2, &lj), "both readers read");
        ft = pp_journal_undo_target(&j);
        lt = pp_journal_undo_target(&lj);
        ok(ft && lt && strcmp(j.v[ft->intent].id, lj.v[lt->intent].id) == 0 &&
               strcmp(pp_jchange_state(&j, ft), pp_jchange_state(&lj, lt)) == 0 &&
               lj.v[lt->intent].nelems == j.v[ft->intent].nelems &&
               lj.changes[lj.nchanges - 1].damaged_after == j.changes[j.nchanges - 1].damaged_after,
           "the light reader gives undo the same change, state and elements");
        pp_journal_clear(&j);
        pp_journal_clear(&lj);
    }
    /* a 32-bit PCI domain (VMD) reads back whole: undo rebuilds the very same source */
    {
        char *p32 = xasprintf("%s/domain32", dir);
        int dfd = pp_journal_open(p32);
        pp_jrec a = { 0 };
        pp_journal j32 = { 0 };
        a.action = xstrdup("detach");
        a.devices = xstrdup("10000:d8:00.0");
        a.phase = xstrdup("intent");
        a.elems = xcalloc(1, sizeof(*a.elems));
        a.nelems = 1;
        pp_pci_addr_parse("10000:d8:00.0", "t", &a.elems[0].source);
        ok(dfd >= 0 && pp_journal_append(dfd, p32, &a), "a record of domain 0x10000 appended");
        ok(pp_journal_read(p32, &j32) && j32.n == 1 && j32.v[0].nelems == 1 &&
               j32.v[0].elems[0].source.domain == 0x10000 && j32.v[0].elems[0].source.bus == 0xd8 &&
               strcmp(j32.v[0].devices, "10000:d8:00.0") == 0,
           "its source reads back as domain 0x10000, not 0x0000");
        pp_journal_clear(&j32);
        pp_jrec_clear(&a);
        if (dfd >= 0)
            close(dfd);
        free(p32);
    }
    /* a full disk: the outcome cannot be written whole. It is cut back to the last whole
     * record, the change stays unknown (for undo to resolve), nothing reads as damage */
    {
        struct stat before_st, after_st;
        pid_t w;
        int wst = 0;
        ok(stat(path2, &before_st) == 0, "the journal before a write that the disk cuts short");
        w = fork();
        if (w == 0) {
            struct rlimit rl = { (rlim_t)before_st.st_size + 100, (rlim_t)before_st.st_size + 100 };
            pp_jrec o = { 0 };
            int ofd = pp_journal_open(path2);
            signal(SIGXFSZ, SIG_IGN);
            setrlimit(RLIMIT_FSIZE, &rl); /* room for 100 bytes: a record is longer */
            o.action = xstrdup("detach");
            o.devices = xstrdup("0000:17:02.3");
            o.phase = xstrdup("done");
            o.intent = xstrdup("an intent");
            o.xml = xstrdup(xml);
            _exit(ofd >= 0 && !pp_journal_append(ofd, path2, &o) ? 0 : 1);
        }
        waitpid(w, &wst, 0);
        ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "the append fails (file size limit)");
        ok(stat(path2, &after_st) == 0 && after_st.st_size == before_st.st_size,
           "and is cut back to the last whole record (%lld bytes, %lld before)",
           (long long)after_st.st_size, (long long)before_st.st_size);
        ok(pp_journal_read(path2, &j) && j.n == 3 && j.torn == 0 && j.cut == 0 && j.nchanges == 2 &&
               strcmp(pp_jchange_state(&j, &j.changes[1]), "unknown") == 0 &&
               !j.changes[1].damaged_after && pp_journal_undo_target(&j) == &j.changes[1],
           "the change stays unknown, undo's to resolve, no damage");
        pp_journal_clear(&j);
    }
    /* a torn outcome left by a writer that did not cut back: a write cut short, not damage */
    {
        static const char tail[] = "#pcipass-journal v2 300 0badf00d\n{\"id\":\"cut\",\"pha";
        fd = open(path2, O_WRONLY | O_APPEND);
        ok(fd >= 0 && write(fd, tail, sizeof(tail) - 1) == (ssize_t)sizeof(tail) - 1,
           "a torn record at the end");
        if (fd >= 0)
            close(fd);
        ok(pp_journal_read(path2, &j) && j.cut == 1 && j.torn == 0 && j.nchanges == 2 &&
               !j.changes[1].damaged_after && pp_journal_undo_target(&j) == &j.changes[1],
           "is a write cut short: it stops no undo, the change before it stays unknown");
        pp_journal_clear(&j);
    }
    /* a damaged last record: undo must not reach past it */
    fd = open(path2, O_WRONLY | O_APPEND);
    ok(fd >= 0 && write(fd, "#pcipass-journal v2 20 00000000\n{\"action\":\"attach\"}xx\n", 54) == 54,
       "a damaged record appended");
    if (fd >= 0)
        close(fd);
    ok(pp_journal_read(path2, &j) && j.torn == 1 && j.nchanges == 2 && j.changes[1].damaged_after &&
           j.changes[0].damaged_after,
       "every change before the damage knows it");
    pp_journal_clear(&j);

    /* what is refused as a journal: a link, a FIFO, another's writable file */
    {
        char *lnk = xasprintf("%s/link", dir), *fifo = xasprintf("%s/fifo", dir),
             *wr = xasprintf("%s/groupwritable", dir);
        ok(symlink(path2, lnk) == 0, "a symlink to a journal");
        ok(!pp_journal_read(lnk, &j) && strstr(pp_error_get(), "symbolic link"),
           "a symlink is not followed: %s", pp_error_get());
        ok(pp_journal_open(lnk) < 0, "nor written through");
        ok(mkfifo(fifo, 0600) == 0, "a FIFO");
        ok(!pp_journal_read(fifo, &j) && strstr(pp_error_get(), "not a regular file"),
           "a FIFO is refused at once: %s", pp_error_get());
        fd = open(wr, O_WRONLY | O_CREAT, 0600);
        if (fd >= 0) {
            fchmod(fd, 0666);
            close(fd);
        }
        ok(pp_journal_open(wr) < 0 && strstr(pp_error_get(), "writable by other users"),
           "a file others may write is refused: %s", pp_error_get());
        /* root: not a regular file; anyone else: /dev is not theirs */
        ok(!pp_journal_read("/dev/zero", &j) && strstr(pp_error_get(), "refusing to use it"),
           "/dev/zero is refused: %s", pp_error_get());
        free(lnk);
        free(fifo);
        free(wr);
    }
    {
        const char *home = getenv("HOME"), *xdg = getenv("XDG_STATE_HOME");
        char *h = home ? xstrdup(home) : NULL, *x = xdg ? xstrdup(xdg) : NULL, *p;
        unsetenv("PCIPASS_JOURNAL");
        unsetenv("XDG_STATE_HOME");
        unsetenv("HOME");
        p = pp_journal_path(NULL);
        ok(geteuid() == 0 ? p && strcmp(p, "/var/lib/pcipass/journal") == 0 : p == NULL,
           "without HOME the journal is never a relative path (%s)", p ? p : pp_error_get());
        free(p);
        if (h)
            setenv("HOME", h, 1);
        if (x)
            setenv("XDG_STATE_HOME", x, 1);
        free(h);
        free(x);
    }

    /* A writer killed at a random moment: every record in the file is whole. This cannot catch a
     * torn write, by construction. SIGKILL ends a process between system calls, and the bytes a
     * write() copied into the page cache outlive the process: a record of a few hundred bytes
     * written by one write() lands whole (the kernel stops a write for a fatal signal only
     * between its page-sized steps, a window of a few instructions for a record that straddles
     * a page). Only the machine stopping (power loss, a crash) or a full disk tears a record. So
     * the file below holds whole records, the check asserts just that (torn == 0), and the
     * reader never meets a torn record here: this shows that a record goes out in one write()
     * and that appending goes on. torn_records() makes the torn and damaged records by hand. */
    free(path2);
    path2 = xasprintf("%s/killed", dir);
    pid = fork();
    if (pid == 0) {
        for (;;)
            add(path2, "attach", "0000:17:02.3", xml);
    }
    {
        struct timespec ts = { 0, 150 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "writer killed with SIGKILL");
    ok(pp_journal_read(path2, &j), "journal of the killed writer reads");
    ok(j.n > 0 && j.torn == 0, "%zu whole records, none torn", j.n);
    for (i = 0; i < j.n && j.v[i].xml && strcmp(j.v[i].xml, xml) == 0; i++)
        ;
    ok(i == j.n, "every record's XML intact");
    pp_journal_clear(&j);
    add(path2, "detach", "0000:17:02.3", xml);
    n = count(path2, &torn);
    ok(torn == 0 && n > 0, "appending goes on after the kill (n=%zu)", n);

    torn_records(dir);

    free(path);
    free(path2);
    {
        /* only this test's own directory */
        char *cmd = xasprintf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            printf("# cleanup of %s failed\n", dir);
        free(cmd);
    }
    return tap_done();
}
