/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key bindings as data: the key loop, the footers and the help screen all read this one table. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "pcipass/buf.h"
#include "pcipass/common.h"
#include "ui-private.h"

#define CTRL(c) ((c) & 0x1f)

const ui_binding ui_bindings[] = {
    { UI_KEY_UP, ACT_UP, NULL, N_("Up, k"), N_("move up"), NULL },
    { 'k', ACT_UP, NULL, "k", NULL, NULL },
    { UI_KEY_DOWN, ACT_DOWN, NULL, N_("Down, j"), N_("move down"), NULL },
    { 'j', ACT_DOWN, NULL, "j", NULL, NULL },
    { UI_KEY_PGUP, ACT_PGUP, NULL, N_("PgUp"), N_("page up"), NULL },
    { UI_KEY_PGDN, ACT_PGDN, NULL, N_("PgDn"), N_("page down"), NULL },
    { UI_KEY_HOME, ACT_HOME, NULL, N_("Home"), N_("first row"), NULL },
    { UI_KEY_END, ACT_END, NULL, N_("End"), N_("last row"), NULL },
    { UI_KEY_ENTER, ACT_ENTER, "functions", N_("Enter"),
      N_("assign the function (or the marked ones): pick a guest"), N_("select") },
    { 'a', ACT_ASSIGN, "functions", "a", NULL, NULL },
    { ' ', ACT_MARK, "functions", N_("Space"), N_("mark a function to assign several together"),
      N_("mark") },
    { UI_KEY_ENTER, ACT_ENTER, "guests", N_("Enter"), N_("pick the guest: open the form"),
      N_("select") },
    { UI_KEY_ENTER, ACT_ENTER, "form", N_("Enter"), N_("change the field, or preview the XML"),
      N_("select") },
    { UI_KEY_TAB, ACT_NEXT, "form", N_("Tab"), N_("next field"), N_("field") },
    { UI_KEY_DOWN, ACT_NEXT, "form", N_("Down"), NULL, NULL },
    { UI_KEY_BTAB, ACT_PREV, "form", N_("Shift-Tab"), N_("previous field"), NULL },
    { UI_KEY_UP, ACT_PREV, "form", N_("Up"), NULL, NULL },
    { UI_KEY_LEFT, ACT_LEFT, "form", N_("Left/Right"), N_("change a choice"), NULL },
    { UI_KEY_RIGHT, ACT_RIGHT, "form", N_("Right"), NULL, NULL },
    { ' ', ACT_RIGHT, "form", N_("Space"), NULL, NULL },
    { UI_KEY_BACKSPACE, ACT_CLEAR, "form", N_("Backspace"), N_("delete the last character"),
      NULL },
    { UI_KEY_ENTER, ACT_ENTER, "preview", N_("Enter"), N_("apply the assignment (asks first)"),
      N_("apply") },
    { UI_KEY_ENTER, ACT_ENTER, "result", N_("Enter"), N_("back to the function list"), NULL },
    { UI_KEY_ENTER, ACT_ENTER, "owners", N_("Enter"), N_("show the function in the list"),
      N_("select") },
    { 'd', ACT_DETACH, "owners", "d", N_("detach from the guest (asks first)"), N_("detach") },
    { 'u', ACT_UNDO, "functions", "u", N_("undo the journal's last change (asks first)"), NULL },
    { 'u', ACT_UNDO, "owners", "u", N_("undo the journal's last change (asks first)"), NULL },
    { '/', ACT_FILTER, NULL, "/", N_("filter as you type (class, GPU, name, driver, owner)"),
      N_("filter") },
    { CTRL('u'), ACT_CLEAR, "filter", N_("Ctrl-U"), N_("empty the filter while typing it"), NULL },
    { 'b', ACT_BRIDGES, "functions", "b", N_("hide or show bridges"), N_("bridges") },
    { 'o', ACT_OWNERS, NULL, "o", N_("who owns what: the ownership review"), N_("owners") },
    { 'c', ACT_CHECKLIST, NULL, "c", N_("the setup checklist (run again)"), NULL },
    { 'f', ACT_SETUP, "checklist", "f",
      N_("fix: the setup step of the first item that has one, as a diff; applied on y"),
      N_("fix") },
    { 'r', ACT_REFRESH, NULL, "r",
      N_("read the host (drivers), the guests and the setup checks again"), NULL },
    { '?', ACT_HELP, NULL, "?, F1", N_("this help"), N_("help") },
    { UI_KEY_F1, ACT_HELP, NULL, "F1", NULL, NULL },
    { UI_KEY_ESC, ACT_BACK, NULL, N_("Esc"), N_("back to the previous screen"), N_("back") },
    { 'q', ACT_QUIT, NULL, "q", N_("quit (asks first when a form holds input)"), N_("quit") },
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

const char *ui_scope_name(const char *scope)
{
    static const struct {
        const char *scope, *name;
    } names[] = {
        { "functions", N_("function list") }, { "guests", N_("guest picker") },
        { "form", N_("form") },               { "preview", N_("XML preview") },
        { "result", N_("result") },           { "owners", N_("ownership review") },
        { "filter", N_("filter") },           { "checklist", N_("checklist") },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i].scope, scope) == 0)
            return _(names[i].name);
    return scope;
}

char *ui_footer_keys(const ui_view_ops *ops)
{
    pp_buf footer = PP_BUF_INIT;
    size_t i, k;

    /* the bindings with a footer word that work here, in table order, one per action; the
     * screen's own binding first (it wins in dispatch too) */
    for (i = 0; i < ui_nbindings; i++) {
        const ui_binding *b = &ui_bindings[i];
        char *t;
        bool dup = false;
        if (!b->label || (b->view && strcmp(b->view, ops->name) != 0))
            continue;
        if (ui_action_for(ops->name, b->key) != b->action)
            continue;
        if ((b->action == ACT_BACK && (ops->flags & UI_VIEW_HOME)) ||
            (b->action == ACT_FILTER && !(ops->flags & UI_VIEW_FILTER)) ||
            (b->action == ACT_OWNERS && (ops->flags & UI_VIEW_OWNERS)) ||
            (b->action == ACT_HELP && (ops->flags & UI_VIEW_HELP)))
            continue;
        for (k = 0; k < i && !dup; k++)
            dup = ui_bindings[k].action == b->action && ui_bindings[k].label &&
                  (!ui_bindings[k].view || strcmp(ui_bindings[k].view, ops->name) == 0);
        if (dup)
            continue;
        t = xasprintf("%s:%s", _(b->keyname), _(b->label));
        pp_buf_item(&footer, " ", t);
        free(t);
    }
    return pp_buf_take(&footer);
}
