/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Setup's two formats: the unified diff of an edit, held against GNU diff -u on the same files
 * (hunks, context, merged hunks, missing newlines), and the journal's copies of a file's bytes,
 * read back byte for byte whatever they hold (NUL, invalid UTF-8, every base64 padding). */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcipass/common.h"
#include "pcipass/file.h"
#include "pcipass/journal.h"
#include "pcipass/setup.h"
#include "tap.h"

static char dir[] = "/tmp/pcipass-setup-XXXXXX";

static void put(const char *name, const char *s)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(s, f);
        fclose(f);
    }
    free(p);
}

/* GNU diff's hunks for A and B: its output from the first "@@" on */
static char *gnu_diff(const char *a, const char *b)
{
    char *cmd, *out, *at;
    size_t n;

    put("a", a);
    put("b", b);
    cmd = xasprintf("diff -u %s/a %s/b > %s/out", dir, dir, dir);
    if (system(cmd) < 0)
        printf("# diff did not run\n");
    free(cmd);
    cmd = xasprintf("%s/out", dir);
    out = pp_read_file(cmd, &n);
    free(cmd);
    at = out ? strstr(out, "@@") : NULL;
    at = xstrdup(at ? at : "");
    free(out);
    return at;
}

static char *ours(const char *a, const char *b)
{
    pp_setup_edit e = { (char *)"/f", (char *)"/f", (char *)a, (char *)b, strlen(a), strlen(b) };
    char *d = pp_setup_diff(&e), *at = strstr(d, "@@"), *r = xstrdup(at ? at : "");
    free(d);
    return r;
}

static char *lines(int n, int change1, int change2, bool nl)
{
    char *s = xstrdup(""), *t;
    for (int i = 1; i <= n; i++) {
        t = xasprintf("%s%s%d%s", s, i == change1 || i == change2 ? "changed " : "line ", i,
                      i < n || nl ? "\n" : "");
        free(s);
        s = t;
    }
    return s;
}

static void diff_cases(void)
{
    static const struct {
        const char *what;
        int n, c1, c2, bn; /* lines, changes in B, B's length */
        bool anl, bnl;
    } cases[] = {
        { "one line changed in the middle", 20, 10, 0, 20, true, true },
        { "two changes 6 lines apart: one hunk", 20, 5, 12, 20, true, true },
        { "two changes 7 lines apart: two hunks", 20, 5, 13, 20, true, true },
        { "the first and the last line", 20, 1, 20, 20, true, true },
        { "lines appended", 5, 0, 0, 8, true, true },
        { "lines removed", 8, 0, 0, 5, true, true },
        { "a newline added at the end", 4, 0, 0, 4, false, true },
        { "the newline taken from the end", 4, 0, 0, 4, true, false },
        { "everything replaced", 3, 1, 3, 3, true, true },
        { "a one-line file changed", 1, 1, 0, 1, true, true },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *a = lines(cases[i].n, 0, 0, cases[i].anl);
        char *b = lines(cases[i].bn, cases[i].c1, cases[i].c2, cases[i].bnl);
        char *g = gnu_diff(a, b), *o = ours(a, b);
        is_str(o, g, "diff as GNU diff -u writes it: %s", cases[i].what);
        free(a);
        free(b);
        free(g);
        free(o);
    }
    {
        pp_setup_edit same = { (char *)"/f", (char *)"/f", (char *)"x\n", (char *)"x\n", 2, 2 };
        char *d = pp_setup_diff(&same);
        is_str(d, "", "no change: no diff");
        free(d);
    }
    {
        pp_setup_edit create = { (char *)"/etc/x", (char *)"/etc/x", NULL, (char *)"a\nb\n", 0, 4 };
        char *d = pp_setup_diff(&create);
        is_str(d, "--- /dev/null\n+++ /etc/x\n@@ -0,0 +1,2 @@\n+a\n+b\n",
               "a new file: from /dev/null");
        free(d);
    }
}

static void journal_bytes(void)
{
    char *path = xasprintf("%s/journal", dir);
    static const char bin[] = "a\0b\xff\xfe\n\x1b[31m\"\\";
    pp_journal j;
    pp_jrec r = { 0 };
    int fd = pp_journal_open(path);
    size_t len, i;
    bool all = true;

    r.action = xstrdup("setup");
    r.flags = xstrdup("iommu");
    r.phase = xstrdup("intent");
    /* every length up to 6: each base64 padding, the empty file too */
    for (len = 0; len <= 6; len++)
        pp_jrec_add_file(&r, "/etc/f", bin, len, bin + 1, sizeof(bin) - 1 - len);
    pp_jrec_add_file(&r, "/etc/new", NULL, 0, bin, sizeof(bin) - 1);
    ok(fd >= 0 && pp_journal_append(fd, path, &r), "a setup record with the files is written");
    close(fd);
    ok(pp_journal_read(path, &j) && j.n == 1 && j.v[0].nfiles == 8,
       "and read back with its 8 files");
    for (i = 0; j.n == 1 && i < 7 && i < j.v[0].nfiles; i++)
        all = all && j.v[0].files[i].before && j.v[0].files[i].before_len == i &&
              memcmp(j.v[0].files[i].before, bin, i) == 0 &&
              j.v[0].files[i].after_len == sizeof(bin) - 1 - i &&
              memcmp(j.v[0].files[i].after, bin + 1, sizeof(bin) - 1 - i) == 0;
    ok(all, "every file's bytes before and after, NUL, invalid UTF-8 and ESC too, byte for byte");
    ok(j.n == 1 && j.v[0].nfiles == 8 && !j.v[0].files[7].before &&
           j.v[0].files[7].after_len == sizeof(bin) - 1,
       "a file that was absent stays absent (null), not empty");
    ok(j.n == 1 && pp_jrec_is_setup(&j.v[0]), "the record is known as a setup step");
    pp_journal_clear(&j);
    pp_jrec_clear(&r);
    unlink(path);
    free(path);
}

int main(void)
{
    char *cmd;

    if (!mkdtemp(dir))
        return 99;
    diff_cases();
    journal_bytes();
    cmd = xasprintf("rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    free(cmd);
    return tap_done();
}
