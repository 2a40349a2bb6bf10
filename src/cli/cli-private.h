/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the command files share: option parsing, findings and change reporting, JSON building (the
 * only users of json-c besides the journal). */
#ifndef PCIPASS_CLI_PRIVATE_H
#define PCIPASS_CLI_PRIVATE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "pcipass/app.h"
#include "pcipass/change.h"
#include "pcipass/cli.h"

/* What getopt returns for each option of the command tables (cli.c): one name per option for
 * every command that takes it. */
enum pp_cli_opt_id {
    PP_OPT_JSON = 256,
    PP_OPT_FORCE,
    PP_OPT_DRY_RUN,
    PP_OPT_NO_WAIT,
    PP_OPT_WAIT,
    PP_OPT_LIVE,
    PP_OPT_CONFIG,
    PP_OPT_GUEST,
    PP_OPT_MANAGED,
    PP_OPT_ZPCI_UID,
    PP_OPT_ZPCI_FID,
    PP_OPT_GUEST_ADDRESS,
    PP_OPT_INTERFACE,
    PP_OPT_MAC,
    PP_OPT_WHOLE_GROUP,
    PP_OPT_ALL_FUNCTIONS,
    PP_OPT_CLASS,
    PP_OPT_VENDOR,
    PP_OPT_DEVICE,
    PP_OPT_FREE,
    PP_OPT_RECORD,
    PP_OPT_IOMMU_PT,
};

/* The next option of argv (argv[0] is the command), by CMD's option table: *OPT is its PP_OPT_*
 * (-1 at the end of the options). Handles --help and usage errors: returns -1 when parsing goes
 * on, or the exit status when the command should end now. */
int pp_cli_getopt(const pp_cli_cmd *cmd, int argc, char **argv, int *opt);
int pp_cli_usage_error(const pp_cli_cmd *cmd, const char *fmt, ...) PP_PRINTF(2, 3);
int pp_cli_fail(void);
struct pp_findings;
/* Prints the guards' findings on stderr, one line each; true when the change may go on (none, or
 * only forceable ones with FORCE). */
bool pp_cli_findings(const struct pp_findings *f, bool force);

/* JSON out: pretty, stable key order as inserted, slashes unescaped. Takes ownership. */
void pp_json_print(json_object *o);
/* O as pretty JSON text that is valid UTF-8 whatever its strings hold (malloc'd). */
char *pp_json_text(json_object *o);
json_object *pp_json_hex(unsigned long long v, int digits);
json_object *pp_json_str_or_null(const char *s);

json_object *pp_json_owner(const pp_owner *o);
/* {"source", "detail"} of why F is on its driver, or NULL (no driver). */
json_object *pp_json_binding(const pp_app *app, const pp_function *f);
/* The kernel's reset methods as an array ([] when emptied), NULL when not known. */
json_object *pp_json_reset_method(const pp_function *f);

/* One function as JSON; HOST non-NULL (a fleet) adds the "host" key first. */
json_object *pp_json_function(const pp_app *app, const pp_host *h, const pp_function *f,
                              const char *host);
/* Prints a JSON array one element at a time (O taken over; *COUNT 0 at the start); O NULL ends
 * it. */
void pp_json_stream(json_object *o, size_t *count);
struct pp_table;
/* list's text table: the header (ZPCI: with FID and UID), one row per function */
void pp_list_header(struct pp_table *t, bool zpci);
void pp_list_row(struct pp_table *t, const pp_app *app, const pp_function *f, bool zpci);
/* Reads every host of a fleet in parallel and names the unreachable ones on stderr with
 * libvirt's reason; PP_EXIT_FAIL when there was one, else PP_EXIT_OK. */
int pp_cli_fleet_read(pp_app *app);
/* The command ARGV of a fleet, for the one host it concerns (the host of its GUEST or DEVICE); a
 * command that concerns no one host is refused. */
int pp_cli_fleet_dispatch(pp_app *app, const pp_cli_cmd *cmd, int argc, char **argv);

int pp_cmd_list(pp_app *app, int argc, char **argv);
int pp_cmd_find(pp_app *app, int argc, char **argv);
int pp_cmd_guests(pp_app *app, int argc, char **argv);
int pp_cmd_owners(pp_app *app, int argc, char **argv);
int pp_cmd_xml(pp_app *app, int argc, char **argv);
int pp_cmd_attach(pp_app *app, int argc, char **argv);
int pp_cmd_detach(pp_app *app, int argc, char **argv);
int pp_cmd_check(pp_app *app, int argc, char **argv);
int pp_cmd_prepare(pp_app *app, int argc, char **argv);
int pp_cmd_release(pp_app *app, int argc, char **argv);
int pp_cmd_undo(pp_app *app, int argc, char **argv);
int pp_cmd_setup(pp_app *app, int argc, char **argv);
int pp_cmd_history(pp_app *app, int argc, char **argv);
int pp_cmd_audit(pp_app *app, int argc, char **argv);

/* pp_change_apply for the CLI: what it waits for, the findings that refused it, its error and a
 * missing journal record go to stderr; the command prints the result. */
pp_change_state pp_cli_apply(pp_app *app, pp_change *c);
/* What a change waits for, on stderr (pp_change.waiting). */
void pp_cli_say_waiting(void *arg, const char *msg);
/* --wait SECONDS: 0 to 3600; false with the error slot set. */
bool pp_cli_parse_wait(const char *s, double *out);

#endif
