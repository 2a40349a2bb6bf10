/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key bindings as data: the key loop, the footers and the help screen all read this one table. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "pcipass/common.h"
#include "pcipass/ui.h"

const ui_binding ui_bindings[] = {
    { UI_KEY_UP, ACT_UP, NULL, N_("Up, k"), N_("move up") },
    { 'k', ACT_UP, NULL, "k", NULL },
    { UI_KEY_DOWN, ACT_DOWN, NULL, N_("Down, j"), N_("move down") },
    { 'j', ACT_DOWN, NULL, "j", NULL },
    { UI_KEY_PGUP, ACT_PGUP, NULL, N_("PgUp"), N_("page up") },
    { UI_KEY_PGDN, ACT_PGDN, NULL, N_("PgDn"), N_("page down") },
    { UI_KEY_HOME, ACT_HOME, NULL, N_("Home"), N_("first row") },
    { UI_KEY_END, ACT_END, NULL, N_("End"), N_("last row") },
    { UI_KEY_ENTER, ACT_ENTER, "functions", N_("Enter"), N_("assign the function: pick a guest") },
    { 'a', ACT_ASSIGN, "functions", "a", NULL },
    { UI_KEY_ENTER, ACT_ENTER, "guests", N_("Enter"), N_("pick the guest: open the form") },
    { UI_KEY_ENTER, ACT_ENTER, "form", N_("Enter"), N_("change the field, or preview the XML") },
    { UI_KEY_TAB, ACT_NEXT, "form", N_("Tab"), N_("next field") },
    { UI_KEY_BTAB, ACT_PREV, "form", N_("Shift-Tab"), N_("previous field") },
    { UI_KEY_LEFT, ACT_LEFT, "form", N_("Left/Right"), N_("change a choice") },
    { UI_KEY_RIGHT, ACT_RIGHT, "form", N_("Right"), NULL },
    { ' ', ACT_RIGHT, "form", N_("Space"), NULL },
    { UI_KEY_ENTER, ACT_ENTER, "preview", N_("Enter"), N_("apply the assignment (asks first)") },
    { UI_KEY_ENTER, ACT_ENTER, "owners", N_("Enter"), N_("show the function in the list") },
    { 'd', ACT_DETACH, "owners", "d", N_("detach from the guest (asks first)") },
    { 'u', ACT_UNDO, "functions", "u", N_("undo the journal's last change (asks first)") },
    { 'u', ACT_UNDO, "owners", "u", N_("undo the journal's last change (asks first)") },
    { '/', ACT_FILTER, NULL, "/", N_("filter by any text (empty: all)") },
    { 'b', ACT_BRIDGES, "functions", "b", N_("hide or show bridges") },
    { 'o', ACT_OWNERS, NULL, "o", N_("who owns what: the ownership review") },
    { 'r', ACT_REFRESH, NULL, "r", N_("refresh guests and owners from libvirt") },
    { '?', ACT_HELP, NULL, "?, F1", N_("this help") },
    { UI_KEY_F1, ACT_HELP, NULL, "F1", NULL },
    { UI_KEY_ESC, ACT_BACK, NULL, N_("Esc"), N_("back to the previous screen") },
    { 'q', ACT_QUIT, NULL, "q", N_("quit (asks first when a form holds input)") },
};
const size_t ui_nbindings = sizeof(ui_bindings) / sizeof(ui_bindings[0]);

enum ui_action ui_action_for(const char *view, int key)
{
    size_t i;

    /* a view's own binding wins over a global one */
    for (i = 0; i < ui_nbindings; i++)
        if (ui_bindings[i].key == key && ui_bindings[i].view && strcmp(ui_bindings[i].view, view) == 0)
            return ui_bindings[i].action;
    for (i = 0; i < ui_nbindings; i++)
        if (ui_bindings[i].key == key && !ui_bindings[i].view)
            return ui_bindings[i].action;
    return ACT_NONE;
}

char *ui_footer_keys(const char *view)
{
    /* the few keys that matter on each screen, in table order; ? lists the rest */
    static const enum ui_action shown[] = { ACT_ENTER, ACT_DETACH, ACT_NEXT, ACT_FILTER,
                                             ACT_BRIDGES, ACT_OWNERS, ACT_HELP, ACT_BACK,
                                             ACT_QUIT };
    char *s = xstrdup("");
    size_t i, j;

    for (j = 0; j < sizeof(shown) / sizeof(shown[0]); j++) {
        for (i = 0; i < ui_nbindings; i++) {
            const ui_binding *b = &ui_bindings[i];
            char *t;
            if (b->action != shown[j] || !b->help || (b->view && strcmp(b->view, view) != 0))
                continue;
            if (shown[j] == ACT_BACK && strcmp(view, "functions") == 0)
                continue;
            /* only lists filter */
            if (shown[j] == ACT_FILTER && strcmp(view, "functions") && strcmp(view, "guests") &&
                strcmp(view, "owners"))
                continue;
            t = xasprintf("%s%s%s:%s", s, *s ? " " : "", _(b->keyname),
                          shown[j] == ACT_ENTER    ? _("select")
                          : shown[j] == ACT_DETACH ? _("detach")
                          : shown[j] == ACT_NEXT   ? _("field")
                          : shown[j] == ACT_FILTER ? _("filter")
                          : shown[j] == ACT_BRIDGES ? _("bridges")
                          : shown[j] == ACT_OWNERS ? _("owners")
                          : shown[j] == ACT_HELP   ? _("help")
                          : shown[j] == ACT_BACK   ? _("back")
                                                   : _("quit"));
            free(s);
            s = t;
            break;
        }
    }
    return s;
}
