/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdio.h>

#include "pcipass/app.h"
#include "pcipass/common.h"

void pp_print_version(FILE *out)
{
    fprintf(out, "%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
    fputs(_("License GPL-2.0-or-later: GNU GPL version 2 or later.\n"
            "This is free software: you are free to change and redistribute it.\n"),
          out);
}
