/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdio.h>

#include "pcipass/app.h"
#include "pcipass/common.h"

int pp_tui_main(pp_app *app)
{
    (void)app;
    fprintf(stderr, _("%s: the interactive console is not built yet; use a command (see --help)\n"),
            pp_progname());
    return PP_EXIT_USAGE;
}
