/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs a fuzz target's entry point over files, as libFuzzer would run one input, built with the
 * normal compiler (and sanitizers when configured): `make check` replays the seed corpus and every
 * crash found so far (tests/fuzz/regress/TARGET). Prints TAP, one line per file.
 *
 *   replay-TARGET DIR...      every regular file in each DIR, in name order */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "fuzz.h"

static int n;

static void run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, r;

    if (!fp) {
        printf("not ok %d - %s: cannot open\n", ++n, path);
        return;
    }
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = xrealloc(buf, cap);
        }
        r = fread(buf + len, 1, cap - len, fp);
        len += r;
    } while (r > 0);
    fclose(fp);
    fflush(stdout);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    /* a crash ends the process before this line: the harness sees a missing or failed test */
    printf("ok %d - %s\n", ++n, path);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    int i, j, k;
    char *defaults[2] = { NULL, NULL };

    /* No arguments (make check): this target's seeds and regression inputs under $srcdir. */
    if (argc < 2) {
        const char *srcdir = getenv("srcdir") ? getenv("srcdir") : ".";
        const char *t = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        if (strncmp(t, "replay-", 7) == 0)
            t += 7;
        defaults[0] = xasprintf("%s/tests/fuzz/corpus/%s", srcdir, t);
        defaults[1] = xasprintf("%s/tests/fuzz/regress/%s", srcdir, t);
        printf("# replaying %s and %s\n", defaults[0], defaults[1]);
        argv = defaults - 1;
        argc = 3;
    }
    for (i = 1; i < argc; i++) {
        struct dirent **ents;
        k = scandir(argv[i], &ents, NULL, by_name);
        if (k < 0)
            continue; /* no regression inputs yet */
        for (j = 0; j < k; j++) {
            if (ents[j]->d_name[0] != '.') {
                char *p = xasprintf("%s/%s", argv[i], ents[j]->d_name);
                run_file(p);
                free(p);
            }
            free(ents[j]);
        }
        free(ents);
    }
    printf("1..%d\n", n);
    free(defaults[0]);
    free(defaults[1]);
    return 0;
}
