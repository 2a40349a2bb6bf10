/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes a journal of about MIB mebibytes for the benchmark of `pcipass history`: attach and detach
 * changes, each an intent and an outcome record in pcipass's own frame (the same CRC-32 as
 * pcipass), every tenth change an undo of the one before.
 *
 *   gen-journal FILE MIB */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcipass/zio.h"

static void frame(FILE *f, const char *json)
{
    size_t n = strlen(json);
    fprintf(f, "#pcipass-journal v2 %zu %08x\n%s\n", n, (unsigned)pp_crc32(json, n), json);
}

/* The fields both records of change N share, from "guest" on. */
static void body(char *buf, size_t size, long long n)
{
    const char *action = n % 10 == 9 ? "undo" : n % 2 ? "detach" : "attach";
    char undoes[64] = "null";

    if (n % 10 == 9)
        snprintf(undoes, sizeof(undoes), "\"i%lld\"", n - 1);
    snprintf(buf, size,
             "\"guest\":\"g%lld\",\"uuid\":\"5a1e0000-0000-4000-8000-%012lld\",\"action\":\"%s\","
             "\"devices\":\"0000:17:02.3\",\"flags\":\"live,config\",\"undoes\":%s,\"elements\":[{"
             "\"kind\":\"hostdev\",\"source\":\"0000:17:02.3\",\"managed\":\"yes\","
             "\"guest_address\":null,\"multifunction\":false,\"zpci_uid\":null,\"zpci_fid\":null,"
             "\"mac\":null,\"driver\":\"vfio\"}],\"xml\":\"<hostdev mode=\\\"subsystem\\\" "
             "type=\\\"pci\\\" managed=\\\"yes\\\">\\n  <driver name=\\\"vfio\\\"/>\\n  <source>\\n"
             "    <address domain=\\\"0x0000\\\" bus=\\\"0x17\\\" slot=\\\"0x02\\\" "
             "function=\\\"0x3\\\"/>\\n  </source>\\n</hostdev>\\n\"",
             n % 200, n % 200, action, undoes);
}

int main(int argc, char **argv)
{
    char common[2048], json[4096];
    FILE *f;
    long long limit, n;

    if (argc != 3 || !(f = fopen(argv[1], "w")))
        return 2;
    limit = atoll(argv[2]) * 1024 * 1024;
    for (n = 0; ftell(f) < limit; n++) {
        body(common, sizeof(common), n);
        snprintf(json, sizeof(json),
                 "{\"id\":\"i%lld\",\"time\":\"2026-11-25T00:00:00Z\",\"uri\":\"qemu:///system\","
                 "\"phase\":\"intent\",%s}",
                 n, common);
        frame(f, json);
        snprintf(json, sizeof(json),
                 "{\"id\":\"o%lld\",\"time\":\"2026-11-25T00:00:01Z\",\"uri\":\"qemu:///system\","
                 "\"phase\":\"done\",\"intent\":\"i%lld\",%s}",
                 n, n, common);
        frame(f, json);
    }
    fclose(f);
    printf("%lld changes\n", n);
    return 0;
}
