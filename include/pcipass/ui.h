/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console as the rest of the program sees it: its entry point and its key table (for the man
 * page generator). The console's own files share src/ui/ui-private.h. */
#ifndef PCIPASS_UI_H
#define PCIPASS_UI_H

#include <stddef.h>

#include "pcipass/app.h"

/* The key bindings (keys.c): one table drives dispatch, the footer, the help screen and the man
 * page. */
enum ui_action {
    ACT_NONE,
    ACT_UP,
    ACT_DOWN,
    ACT_PGUP,
    ACT_PGDN,
    ACT_HOME,
    ACT_END,
    ACT_ENTER,
    ACT_BACK,
    ACT_NEXT,
    ACT_PREV,
    ACT_LEFT,
    ACT_RIGHT,
    ACT_FILTER,
    ACT_REFRESH,
    ACT_OWNERS,
    ACT_HELP,
    ACT_QUIT,
    ACT_BRIDGES,
    ACT_ASSIGN,
    ACT_DETACH,
    ACT_UNDO,
    ACT_CHECKLIST,
    ACT_MARK,
    ACT_CLEAR,
    ACT_SETUP,
};

/* The console's screens, for the key table and the ops tables alike (never their names as
 * strings); UI_EVERYWHERE: a binding of every screen. */
enum ui_screen {
    UI_EVERYWHERE,
    UI_SCREEN_FUNCTIONS,
    UI_SCREEN_GUESTS,
    UI_SCREEN_FORM,
    UI_SCREEN_PREVIEW,
    UI_SCREEN_RESULT,
    UI_SCREEN_OWNERS,
    UI_SCREEN_FILTER,
    UI_SCREEN_CHECKLIST,
    UI_SCREEN_HELP,
    UI_NSCREENS
};
/* The screen's one word, untranslated ("functions"), as the man page names it. */
const char *ui_screen_word(enum ui_screen s);

typedef struct ui_binding {
    int key;
    enum ui_action action;
    enum ui_screen screen; /* where it works; UI_EVERYWHERE: on every screen */
    const char *keyname;
    const char *help;  /* N_(); NULL: not listed (an alias listed elsewhere) */
    const char *label; /* N_(): the footer's word for it; NULL: not in the footer */
} ui_binding;

extern const ui_binding ui_bindings[];
extern const size_t ui_nbindings;
/* The console: runs until the operator quits; the exit status. */
int pp_tui_main(pp_app *app);

#endif
