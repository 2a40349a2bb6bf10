/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal: records read back as written, a torn last record skipped, records after damage still
 * found, and a writer killed at a random moment leaves only whole records. */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/journal.h"
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
    *torn = j.torn;
    pp_journal_clear(&j);
    return n;
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

    /* a writer killed at a random moment: every record in the file is whole */
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
