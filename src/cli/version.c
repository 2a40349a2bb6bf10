/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdio.h>

#include "pcipass/cli.h"
#include "pcipass/common.h"
#include "pcipass/virt.h"

void pp_print_version(FILE *out)
{
    char virt[64];

    pp_virt_library_version(virt, sizeof(virt));
    fprintf(out, "%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
    /* libpci has no run-time version call; it is the version built against */
    fprintf(out, _("running with %s, libpci %s\n"), virt, LIBPCI_VERSION);
    fputs(_("License GPL-2.0-or-later: GNU GPL version 2 or later.\n"
            "This is free software: you are free to change and redistribute it.\n"),
          out);
}
