/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interactive console, shared by the files of src/ui/ only (the rest of the program sees
 * include/pcipass/ui.h). display.c is the one file that
 * talks to ncurses; the views draw through the ui_* calls below and read keys as UI_KEY_* codes.
 * One generic list engine (view.c) drives every screen through a small ops table per screen;
 * key bindings are data (keys.c), and the help screen is generated from them. */
#ifndef PCIPASS_UI_PRIVATE_H
#define PCIPASS_UI_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/app.h"
#include "pcipass/change.h"
#include "pcipass/ui.h"

/* ---- display (ncurses) ---- */
enum ui_role {
    UI_NORMAL,
    UI_TITLE,    /* header and footer bars */
    UI_SELECTED, /* the cursor row */
    UI_CONFLICT, /* more than one guest holds it */
    UI_DIM,      /* bridges, disabled things */
    UI_ERROR,
    UI_OK,
    UI_FIELD,       /* a form field's value */
    UI_FIELD_FOCUS, /* the focused field */
    UI_HEADING,     /* column headings */
    UI_NROLES
};

enum {
    UI_KEY_NONE = -1,
    UI_KEY_UP = 0x10000,
    UI_KEY_DOWN,
    UI_KEY_LEFT,
    UI_KEY_RIGHT,
    UI_KEY_PGUP,
    UI_KEY_PGDN,
    UI_KEY_HOME,
    UI_KEY_END,
    UI_KEY_ENTER,
    UI_KEY_ESC,
    UI_KEY_TAB,
    UI_KEY_BTAB,
    UI_KEY_BACKSPACE,
    UI_KEY_DELETE,
    UI_KEY_F1,
    UI_KEY_RESIZE,
};

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24

/* The most lines or columns the console believes (LINES, COLUMNS): beyond it ncurses would take
 * gigabytes for a screen nobody has. */
#define UI_MAX_SIZE 1000
/* Whether the console can run here: a terminal on both ends, TERM set, known and able to move the
 * cursor, LINES and COLUMNS (when set) sensible. false with WHY naming the problem and the fix;
 * nothing on the screen is touched either way. */
bool ui_display_usable(char *why, size_t size);
void ui_display_init(bool color);
void ui_display_restore(void);
/* Whether the terminal is in curses mode (a fleet's host list opens a host's console inside it). */
bool ui_display_active(void);

/* The console of a fleet: the host list, and each host's console from it. */
int ui_fleet_main(pp_app *app);
/* The fleet's screens over every reachable host, from its host list (fleet-lists.c): the merged
 * function list, the ownership review, and find (free functions by class or ids). */
enum ui_fleet_list { UI_FLEET_FUNCTIONS, UI_FLEET_OWNERS, UI_FLEET_FIND };
void ui_fleet_list(pp_app *app, enum ui_fleet_list which);
int ui_cols(void);
int ui_lines(void);
bool ui_too_small(void);
/* The next key, or UI_KEY_NONE after a short wait; a pending SIGINT/SIGTERM ends the process here
 * with the terminal restored. */
int ui_getkey(void);
/* The same, waiting at most MS milliseconds for the key. */
int ui_getkey_within(int ms);
void ui_clear(void);
void ui_flush(void);
/* Text at Y,X cut (by display columns, UTF-8 aware) and padded to WIDTH; returns columns used. */
int ui_put(int y, int x, int width, enum ui_role role, const char *s);
/* A table cell: the text cut to WIDTH-1 and one blank, so columns never run together. */
int ui_cell(int y, int x, int width, enum ui_role role, const char *s);
void ui_putf(int y, int x, int width, enum ui_role role, const char *fmt, ...) PP_PRINTF(5, 6);
void ui_cursor(int y, int x, bool visible);
/* A question at the bottom, wrapped at words; true for y/Y or the translated yes key. */
bool ui_confirm(const char *question);
bool ui_is_yes(int key);
/* The message area above the footer: S wrapped at words, growing upwards from line BOTTOM, at most
 * a third of the screen (the end shown when longer). Returns the lines used. */
int ui_message(int bottom, enum ui_role role, const char *s);
/* The lines ui_message takes for S, plus EXTRA, within the same limit. */
int ui_message_lines(const char *s, int extra);
/* The status line above the footer: "working..." before long libvirt calls, results after. */
void ui_status(enum ui_role role, const char *fmt, ...) PP_PRINTF(2, 3);
const char *ui_status_text(void);
enum ui_role ui_status_role(void);
void ui_status_clear(void);
/* The status text set without drawing it (the next draw shows it). */
void ui_status_set(enum ui_role role, const char *s);
void ui_draw_too_small(void);
/* A one-line choice at the bottom, in the form's "< choice >" style: Left/Right (Space) change,
 * Enter takes it. The index of the choice taken, DEF at first; -1 on Esc. */
int ui_choose(const char *question, const char *const *choices, int n, int def);
/* Edits BUF (SIZE bytes) on the bottom line after PROMPT; false on Esc. */
bool ui_prompt(const char *prompt, char *buf, size_t size);
size_t ui_text_width(const char *s);
/* S broken into lines of at most WIDTH display columns, at blanks (a word longer than a line at a
 * character boundary, never inside a multibyte character) and at newlines; lines after the first
 * start with INDENT (NULL: none). *LINES is malloc'd (ui_wrap_free); returns their number, >= 1. */
size_t ui_wrap(const char *s, int width, const char *indent, char ***out);
void ui_wrap_free(char **v, size_t n);
/* Column headings into BUF: each of the N cells padded to its width in display columns (printf's
 * %-*s counts bytes, which shifts every column after an umlaut), one blank between; a width of 0
 * leaves the cell as it is. Right-aligned when the width is negative. */
void ui_columns(char *buf, size_t size, const char *const *cells, const int *widths, size_t n);

/* ---- waiting on libvirt (worker.c) ---- */
enum ui_wait_result { UI_WAIT_DONE, UI_WAIT_CANCELLED };
/* Runs FN(ARG) in a thread of its own while this one keeps the console awake: the status line
 * says "Waiting for libvirt: WHAT (N s)", Esc stops waiting (UI_WAIT_CANCELLED: FN goes on alone
 * and ABANDON(ARG) then frees what it made; ARG must be FN's alone), q leaves the console, and
 * signals end it as always, the terminal restored. */
enum ui_wait_result ui_wait(const char *what, void (*fn)(void *), void (*abandon)(void *),
                            void *arg);
/* ui_wait in two steps: FN starts now, and the console waits for it later (ui_job_wait), doing
 * something else meanwhile (the host's scan at start); ui_job_abandon gives it up unwaited. */
typedef struct ui_job ui_job;
ui_job *ui_job_start(void (*fn)(void *), void (*abandon)(void *), void *arg);
enum ui_wait_result ui_job_wait(ui_job *j, const char *what);
void ui_job_abandon(ui_job *j);
/* Ends the process with RC at once when a call given up may still be running in libvirt (the
 * terminal restored already); returns otherwise. */
void ui_exit_if_abandoned(int rc);

/* ---- key bindings (keys.c; the table itself is in ui.h) ---- */
enum ui_action ui_action_for(enum ui_screen screen, int key);
/* "Enter:select /:filter ..." for the footer of the screen OPS, from the key table */
struct ui_view_ops;
char *ui_footer_keys(const struct ui_view_ops *ops);
/* The help's name of a screen (UI_SCREEN_FUNCTIONS: "function list"), translated */
const char *ui_scope_name(enum ui_screen s);

/* ---- the view engine (view.c) ---- */
typedef struct ui_view ui_view;

/* What a screen is, for the engine and the router (never its name) */
enum {
    UI_VIEW_HOME = 1 << 0,      /* the function list: no Esc back, the router's base */
    UI_VIEW_FILTER = 1 << 1,    /* a list the filter applies to */
    UI_VIEW_TEXT = 1 << 2,      /* scrolled text */
    UI_VIEW_RESULT = 1 << 3,    /* Enter and Esc go back to the function list */
    UI_VIEW_OWNERS = 1 << 4,    /* the ownership review */
    UI_VIEW_HELP = 1 << 5,      /* the help */
    UI_VIEW_CHECKLIST = 1 << 6, /* the setup checklist */
};

typedef struct ui_view_ops {
    enum ui_screen screen; /* which screen: its bindings in the key table */
    unsigned flags;   /* UI_VIEW_* */
    const char *(*title)(ui_view *v);
    size_t (*rows)(ui_view *v);
    /* ROW is the index into the view's own rows (filtering maps screen rows to it) */
    void (*draw_row)(ui_view *v, size_t row, int y, int width, bool selected);
    const char *(*heading)(ui_view *v);       /* column headings, or NULL */
    char *(*row_text)(ui_view *v, size_t row); /* for the filter; NULL: not filterable */
    int (*detail_lines)(ui_view *v);          /* lines of the detail pane */
    void (*draw_detail)(ui_view *v, size_t row, int y, int height, int width);
    /* a key for the view: raw KEY first (text fields take printable keys), then its ACTION.
     * true: handled. */
    bool (*key)(ui_view *v, int key, enum ui_action action);
    void (*draw)(ui_view *v, int y, int height, int width); /* a view that draws itself */
    bool (*dirty)(ui_view *v); /* holds input the operator would lose on quit */
    bool (*hidden)(ui_view *v, size_t row); /* left out, e.g. bridges when hidden */
    void (*free)(ui_view *v);
} ui_view_ops;

struct ui_view {
    const ui_view_ops *ops;
    void *data;
    size_t cursor, top; /* in visible rows */
    char filter[64];
    bool filtering; /* the filter is being typed: it applies with each key */
    size_t *vis; /* visible rows -> view rows */
    size_t nvis;
    bool vis_valid;
    unsigned gen; /* the read of guests the row map was built from */
    bool hide_bridges;
    ui_view *below; /* the view this one was opened from */
};

typedef struct ui_ctx {
    pp_app *app;
    ui_view *top;
    bool row_only; /* the last key changed the cursor row only: repaint that row */
    bool quit;
    int exit_status;
} ui_ctx;

extern ui_ctx *ui;

ui_view *ui_view_new(const ui_view_ops *ops, void *data);
/* The key loop, until q; then every view closed. */
void ui_loop(void);
void ui_close_all(void);
/* Draws the whole screen now (before a question that is about what it shows). */
void ui_paint(void);
void ui_push(ui_view *v);
/* Closes the top view; returns to the one below. */
void ui_pop(void);
/* Closes every view down to the function list and returns it. */
ui_view *ui_pop_to_home(void);
/* Forgets the visible-row map (after a change of the rows or the filter). */
void ui_view_invalidate(ui_view *v);
/* Draws the N lines L of a text screen from V's top line, in rows Y.. Y+H-1 at width W, each in
 * ROLES[i] (NULL: all normal); the top is kept where a full screen of lines still shows. */
void ui_view_draw_lines(ui_view *v, int y, int h, int w, char *const *l,
                        const enum ui_role *roles, size_t n);
size_t ui_view_selected(ui_view *v, bool *any);
/* Forgets the marks of the function list V (after the marked functions were assigned) */
void ui_functions_unmark(ui_view *v);
/* After a key that changed only the cursor row of V: the next paint redraws that row alone. */
void ui_repaint_row(ui_view *v);

/* ---- the console's one apply (change.c), the mirror of the CLI's pp_cli_apply ---- */
/* What a change waits for (another pcipass's lock, a guest's release), on the status line: the
 * pp_change.waiting of every change the console makes. */
void ui_change_waiting(void *arg, const char *msg);
/* The guards of C (pp_change_check) on the status line: findings that block even with force
 * refuse, the ones pp_finding_asks names each need the operator's explicit yes (the console's
 * --force). What was said yes to is moved from C's findings into ACCEPTED (emptied first; the
 * caller clears it), which C->accepted then points at. false: refused or not confirmed, the
 * status line says so. */
bool ui_change_guards(pp_change *c, pp_findings *accepted);
/* C made: WORKING on the status line meanwhile, the waiting said, the guests read again, and an
 * outcome that is not done on the status line. Returns C's state; on PP_CHANGE_DONE the caller
 * says what was made. */
pp_change_state ui_apply(pp_change *c, const char *working);
/* Undo of the journal's last change, asked first; the outcome on the status line. */
void ui_undo(void);
/* Re-reads guests and owners from libvirt, showing that work is under way. */
bool ui_refresh_guests(void);
/* Reads the guests in the worker (ui_wait); false with the error slot set, or *CANCELLED when the
 * operator stopped waiting. */
bool ui_read_guests(bool *cancelled);
/* The same in two steps (ui_job_start): the read starts now, ui_read_guests_finish waits for it
 * and takes what it read; ui_read_guests_abandon gives it up. */
typedef struct guest_read ui_guest_read;
ui_guest_read *ui_read_guests_start(void);
bool ui_read_guests_finish(ui_guest_read *r, bool *cancelled);
void ui_read_guests_abandon(ui_guest_read *r);
/* The guests whose definitions are not well-formed, on the status line. */
void ui_say_unknown_owners(void);
/* r: the host's functions (drivers, bindings), the guests and owners, and the setup checks. */
void ui_refresh_all(void);

/* ---- the router (router.c): which screen an action opens ---- */
/* Opens the screen for action A over the current one, or does what A does in place (r: read
 * everything again; u: undo); false when A is none of these. */
bool ui_route(enum ui_action a);

/* ---- the screens ---- */
ui_view *ui_functions_view(void);
ui_view *ui_guests_view(const pp_function *f);
/* The picker for the N functions of SET, assigned together (marked in the list) */
ui_view *ui_guests_view_set(const pp_pci_addr *set, size_t n);
ui_view *ui_form_view(const pp_function *f, const char *guest);
/* The form for the N functions of SET together (N > 1): the functions of one device share one
 * guest slot, as one multifunction device. */
ui_view *ui_form_view_set(const pp_pci_addr *set, size_t n, const char *guest);
/* The outcome of a change, as libvirt stored it: Enter and Esc go back to the function list. */
ui_view *ui_result_view(const char *title, const char *text);
ui_view *ui_owners_view(void);
ui_view *ui_help_view(void);
struct pp_checks;
/* Runs the setup checks into C (the status line says so meanwhile); returns how many failed. */
size_t ui_checks_run(struct pp_checks *c);
/* The checklist screen over C (taken over, C left empty). */
ui_view *ui_checklist_view(struct pp_checks *c);
/* The XML of the N elements that apply sends together */
ui_view *ui_preview_view(const char *guest, const pp_hostdev *hds, size_t n, unsigned affect);


#endif
