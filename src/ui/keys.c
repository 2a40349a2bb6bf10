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
    { UI_KEY_UP, ACT_UP, UI_EVERYWHERE, N_("Up, k"), N_("move up"), NULL },
    { 'k', ACT_UP, UI_EVERYWHERE, "k", NULL, NULL },
    { UI_KEY_DOWN, ACT_DOWN, UI_EVERYWHERE, N_("Down, j"), N_("move down"), NULL },
    { 'j', ACT_DOWN, UI_EVERYWHERE, "j", NULL, NULL },
    { UI_KEY_PGUP, ACT_PGUP, UI_EVERYWHERE, N_("PgUp"), N_("page up"), NULL },
    { UI_KEY_PGDN, ACT_PGDN, UI_EVERYWHERE, N_("PgDn"), N_("page down"), NULL },
    { UI_KEY_HOME, ACT_HOME, UI_EVERYWHERE, N_("Home"), N_("first row"), NULL },
    { UI_KEY_END, ACT_END, UI_EVERYWHERE, N_("End"), N_("last row"), NULL },
    { UI_KEY_ENTER, ACT_ENTER, UI_SCREEN_FUNCTIONS, N_("Enter"),
      N_("assign the function (or the marked ones): pick a guest"), N_("select") },
    { 'a', ACT_ASSIGN, UI_SCREEN_FUNCTIONS, "a", NULL, NULL },
    { ' ', ACT_MARK, UI_SCREEN_FUNCTIONS, N_("Space"), N_("mark a function to assign several together"),
      N_("mark") },
    { UI_KEY_ENTER, ACT_ENTER, UI_SCREEN_GUESTS, N_("Enter"), N_("pick the guest: open the form"),
      N_("select") },
    { UI_KEY_ENTER, ACT_ENTER, UI_SCREEN_FORM, N_("Enter"), N_("change the field, or preview the XML"),
      N_("select") },
    { UI_KEY_TAB, ACT_NEXT, UI_SCREEN_FORM, N_("Tab"), N_("next field"), N_("field") },
    { UI_KEY_DOWN, ACT_NEXT, UI_SCREEN_FORM, N_("Down"), NULL, NULL },
    { UI_KEY_BTAB, ACT_PREV, UI_SCREEN_FORM, N_("Shift-Tab"), N_("previous field"), NULL },
    { UI_KEY_UP, ACT_PREV, UI_SCREEN_FORM, N_("Up"), NULL, NULL },
    { UI_KEY_LEFT, ACT_LEFT, UI_SCREEN_FORM, N_("Left/Right"), N_("change a choice"), NULL },
    { UI_KEY_RIGHT, ACT_RIGHT, UI_SCREEN_FORM, N_("Right"), NULL, NULL },
    { ' ', ACT_RIGHT, UI_SCREEN_FORM, N_("Space"), NULL, NULL },
    { UI_KEY_BACKSPACE, ACT_CLEAR, UI_SCREEN_FORM, N_("Backspace"), N_("delete the last character"),
      NULL },
    { UI_KEY_ENTER, ACT_ENTER, UI_SCREEN_PREVIEW, N_("Enter"), N_("apply the assignment (asks first)"),
      N_("apply") },
    { UI_KEY_ENTER, ACT_ENTER, UI_SCREEN_RESULT, N_("Enter"), N_("back to the function list"), NULL },
    { UI_KEY_ENTER, ACT_ENTER, UI_SCREEN_OWNERS, N_("Enter"), N_("show the function in the list"),
      N_("select") },
    { 'd', ACT_DETACH, UI_SCREEN_OWNERS, "d", N_("detach from the guest (asks first)"), N_("detach") },
    { 'u', ACT_UNDO, UI_SCREEN_FUNCTIONS, "u", N_("undo the journal's last change (asks first)"), NULL },
    { 'u', ACT_UNDO, UI_SCREEN_OWNERS, "u", N_("undo the journal's last change (asks first)"), NULL },
    { '/', ACT_FILTER, UI_EVERYWHERE, "/", N_("filter as you type (class, GPU, name, driver, owner)"),
      N_("filter") },
    { CTRL('u'), ACT_CLEAR, UI_SCREEN_FILTER, N_("Ctrl-U"), N_("empty the filter while typing it"), NULL },
    { 'b', ACT_BRIDGES, UI_SCREEN_FUNCTIONS, "b", N_("hide or show bridges"), N_("bridges") },
    { 'o', ACT_OWNERS, UI_EVERYWHERE, "o", N_("who owns what: the ownership review"), N_("owners") },
    { 'c', ACT_CHECKLIST, UI_EVERYWHERE, "c", N_("the setup checklist (run again)"), NULL },
    { 'f', ACT_SETUP, UI_SCREEN_CHECKLIST, "f",
      N_("fix: the setup step of the first item that has one, as a diff; applied on y"),
      N_("fix") },
    { 'r', ACT_REFRESH, UI_EVERYWHERE, "r",
      N_("read the host (drivers), the guests and the setup checks again"), NULL },
    { '?', ACT_HELP, UI_EVERYWHERE, "?, F1", N_("this help"), N_("help") },
    { UI_KEY_F1, ACT_HELP, UI_EVERYWHERE, "F1", NULL, NULL },
    { UI_KEY_ESC, ACT_BACK, UI_EVERYWHERE, N_("Esc"), N_("back to the previous screen"), N_("back") },
    { 'q', ACT_QUIT, UI_EVERYWHERE, "q", N_("quit (asks first when a form holds input)"), N_("quit") },
};
const size_t ui_nbindings = sizeof(ui_bindings) / sizeof(ui_bindings[0]);

enum ui_action ui_action_for(enum ui_screen screen, int key)
{
    size_t i;

    /* a screen's own binding wins over a global one */
    for (i = 0; i < ui_nbindings; i++)
        if (ui_bindings[i].key == key && ui_bindings[i].screen && ui_bindings[i].screen == screen)
            return ui_bindings[i].action;
    for (i = 0; i < ui_nbindings; i++)
        if (ui_bindings[i].key == key && !ui_bindings[i].screen)
            return ui_bindings[i].action;
    return ACT_NONE;
}

/* One row per screen: its word (the man page's) and its name in the help. */
static const struct {
    const char *word, *name;
} screens[UI_NSCREENS] = {
    [UI_EVERYWHERE] = { "everywhere", N_("everywhere") },
    [UI_SCREEN_FUNCTIONS] = { "functions", N_("function list") },
    [UI_SCREEN_GUESTS] = { "guests", N_("guest picker") },
    [UI_SCREEN_FORM] = { "form", N_("form") },
    [UI_SCREEN_PREVIEW] = { "preview", N_("XML preview") },
    [UI_SCREEN_RESULT] = { "result", N_("result") },
    [UI_SCREEN_OWNERS] = { "owners", N_("ownership review") },
    [UI_SCREEN_FILTER] = { "filter", N_("filter") },
    [UI_SCREEN_CHECKLIST] = { "checklist", N_("checklist") },
    [UI_SCREEN_HELP] = { "help", N_("help") },
};

const char *ui_screen_word(enum ui_screen s)
{
    return screens[s].word;
}

const char *ui_scope_name(enum ui_screen s)
{
    return _(screens[s].name);
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
        if (!b->label || (b->screen && b->screen != ops->screen))
            continue;
        if (ui_action_for(ops->screen, b->key) != b->action)
            continue;
        if ((b->action == ACT_BACK && (ops->flags & UI_VIEW_HOME)) ||
            (b->action == ACT_FILTER && !(ops->flags & UI_VIEW_FILTER)) ||
            (b->action == ACT_OWNERS && (ops->flags & UI_VIEW_OWNERS)) ||
            (b->action == ACT_HELP && (ops->flags & UI_VIEW_HELP)))
            continue;
        for (k = 0; k < i && !dup; k++)
            dup = ui_bindings[k].action == b->action && ui_bindings[k].label &&
                  (!ui_bindings[k].screen || ui_bindings[k].screen == ops->screen);
        if (dup)
            continue;
        t = xasprintf("%s:%s", _(b->keyname), _(b->label));
        pp_buf_item(&footer, " ", t);
        free(t);
    }
    return pp_buf_take(&footer);
}
