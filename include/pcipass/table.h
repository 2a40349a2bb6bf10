/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text tables for the CLI: column widths from the content, padding by display width under the
 * current locale (a CJK character takes two columns, a combining mark none), two blanks between
 * columns, the last column unpadded.
 *
 *   pp_table *t = pp_table_new(3);
 *   pp_table_row(t, _("NAME"), _("STATE"), _("ARCH"));
 *   pp_table_row(t, g->name, state, NULL);          // NULL prints as "-"
 *   pp_table_span(t, 1, fix);                        // text from column 1 to the end of the line
 *   pp_table_print(t, stdout);
 *   pp_table_free(t);
 */
#ifndef PCIPASS_TABLE_H
#define PCIPASS_TABLE_H

#include <stddef.h>
#include <stdio.h>

typedef struct pp_table pp_table;

pp_table *pp_table_new(size_t ncols);
/* One row of exactly NCOLS strings (copied). */
void pp_table_row(pp_table *t, ...);
/* A column in front of the others, headed HEADER (a fleet's HOST): called before the first row;
 * the header row gets HEADER, every later row the value last given to pp_table_lead_value. Column
 * numbers of the other calls stay as they were. */
void pp_table_lead(pp_table *t, const char *header);
void pp_table_lead_value(pp_table *t, const char *value);
/* A row of one text that starts at column COL and is not measured. */
void pp_table_span(pp_table *t, size_t col, const char *text);
/* Column COL is aligned to the right (numbers). */
void pp_table_right(pp_table *t, size_t col);
void pp_table_print(const pp_table *t, FILE *out);
void pp_table_free(pp_table *t);

/* Terminal columns S takes: wcwidth() per character; a byte that is no character of the locale,
 * or a character wcwidth() rejects (control, unassigned), counts as one column, as the console
 * draws it as one '?'. The one display-width rule of the CLI's tables and the console. */
size_t pp_display_width(const char *s);
/* Bytes of S that fit in WIDTH columns by that rule, whole characters only (at least one). */
size_t pp_display_fit(const char *s, size_t width);

#endif
