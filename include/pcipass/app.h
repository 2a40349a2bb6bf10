/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What main() hands to a face (CLI command or TUI): the roots to read from, loaded on demand. */
#ifndef PCIPASS_APP_H
#define PCIPASS_APP_H

#include <stdbool.h>

#include "pcipass/host.h"
#include "pcipass/owners.h"
#include "pcipass/virt.h"

typedef struct pp_app {
    const char *sysfs_root; /* NULL: /sys */
    const char *proc_root;  /* NULL: /proc, unless sysfs_root is given (see pp_app_proc_root) */
    const char *dev_root;   /* NULL: /dev */
    const char *boot_root;  /* NULL: /boot, unless sysfs_root is given (see pp_app_boot_root) */
    const char *conf_root;  /* NULL: /, unless sysfs_root is given (see pp_app_conf_root) */
    const char *journal;    /* NULL: pp_journal_path()'s choice */
    const char *uri;        /* NULL: LIBVIRT_DEFAULT_URI or libvirt's default */
    const char *inventory;  /* --inventory: "sysfs", "libvirt"; NULL: by the URI */
    bool no_color;
    char *demo_root; /* owned copies when --demo chose them */
    char *demo_uri;
    char *demo_proc;
    char *demo_dev;
    pp_host *host;
    pp_virt *virt;
    bool virt_rw;
    bool have_guests;
    pp_guests guests;
    pp_owners owners;
    unsigned guests_gen; /* bumped each time guests are read, so views know to rebuild */
    /* A fleet (several -c, or a hosts file): one member per host, each a whole pp_app of its
     * own with its own connection, inventory and owners; NULL for one host. */
    struct pp_app *members;
    size_t nmembers;
    char *unreachable; /* a member that could not be read: libvirt's reason (escaped) */
    /* A member whose read did not end in time: its thread still owns it (reading, abandoned);
     * late says so for the faces. */
    bool reading, abandoned;
    char *late;
    void *set_aside; /* abandoned: the read's shared state, to learn when its thread ended */
} pp_app;

/* Whether URI names another host or a transport (qemu+ssh://h/system, test+unix:///f?socket=,
 * any host part): its functions are not this machine's. NULL: LIBVIRT_DEFAULT_URI. */
bool pp_uri_is_remote(const char *uri);
/* Whether the inventory comes from libvirt's node devices: --inventory, else the URI. */
bool pp_app_uses_nodedev(const pp_app *app);
/* For a listing: the inventory (without revision and serial number, which no listing shows:
 * pp_host_load_listing) and the guests together, the guests read while it is scanned. false
 * with the error slot set when the inventory cannot be read; *GUESTS_ERROR (malloc'd) says why
 * the guests could not be read, NULL when they were. */
bool pp_app_read(pp_app *app, bool readonly, char **guests_error);
/* Reads every member of a fleet, a thread each, so that a slow host holds up no other; a member
 * that cannot be read gets its reason in ->unreachable, one that does not answer within
 * $PCIPASS_FLEET_TIMEOUT seconds (default 60) is abandoned with ->late set. Use a member only when
 * pp_fleet_usable(). */
void pp_fleet_read(pp_app *app, bool readonly);
bool pp_fleet_usable(const pp_app *member);
/* Takes back a member set aside by pp_fleet_read whose thread has ended since: it is then an
 * ordinary member again, read or unreachable as the thread left it (the next pp_fleet_read reads
 * an unreachable one again). false while the thread still reads (it stays set aside). */
bool pp_fleet_reclaim(pp_app *member);
/* The host name of APP as the operator gave it (its URI, or "default"). */
const char *pp_app_host_label(const pp_app *app);

/* The proc root: --proc-root, else /proc when the sysfs root is the real one. A fake sysfs root
 * with the real /proc would mix two hosts, so then there is none and the root filesystem and
 * route are not looked for. */
const char *pp_app_proc_root(const pp_app *app);
/* The boot root (kernel configuration files) and the configuration root (modprobe.d and
 * driverctl.d under its etc, run, lib and usr/lib), by the same rule: the option, else the real
 * one with the real sysfs, else none. */
const char *pp_app_boot_root(const pp_app *app);
const char *pp_app_conf_root(const pp_app *app);
/* The inventory, loaded on first use, host-critical functions found; NULL with the error slot
 * set. */
pp_host *pp_app_host(pp_app *app);
/* The libvirt connection, opened on first use; READONLY false reopens it writable. NULL with the
 * error slot set. */
pp_virt *pp_app_virt(pp_app *app, bool readonly);
/* Guests and the owner index, read once; false with the error slot set. */
bool pp_app_guests(pp_app *app, bool readonly);
/* Why F is on its driver: libvirt for a running guest's managed hostdev (guests read), else what
 * the host module found. False when F has no driver. OUT's detail is borrowed. */
/* Whether the libvirt behind the app's connection takes what the N elements ask for (<driver
 * model=...> from 10.0, iommufd from 12.1) and, for DRIVER non-NULL, a nodedev-detach to that
 * driver (10.0): false with the error slot naming the version needed and the one there is, so
 * that nothing is sent that libvirt would refuse or silently drop. */
/* --rom-file PATH for this app's roots and URI (pp_hostdev_check_rom_file): under the
 * configuration root, readable by others where the hypervisor runs as its own user. */
bool pp_app_check_rom_file(pp_app *app, const char *path, char out[PP_ROM_FILE_MAX]);
/* The VFIO variant drivers the running kernel offers for F (pp_host_vfio_variants under the
 * app's roots); *OUT malloc'd. */
size_t pp_app_vfio_variants(const pp_app *app, const pp_function *f, char ***out);
/* The driver prepare binds F to when the operator names none: an IBM Z ISM function goes to
 * ism_vfio_pci where the kernel offers it (plain vfio-pci cannot give ISM to a guest); else
 * none (vfio-pci). OUT gets the name; false for none. */
bool pp_app_prepare_driver(pp_app *app, const pp_function *f, char out[PP_DRIVER_MODEL_MAX]);
bool pp_app_libvirt_takes(pp_app *app, const pp_hostdev *hds, size_t n, const char *driver);
bool pp_app_binding(const pp_app *app, const pp_function *f, pp_binding *out);
/* That reason as one translated sentence (malloc'd). */
char *pp_binding_sentence(const pp_function *f, const pp_binding *b);
/* The guest of that name among those read; NULL with the error slot naming the valid ones. */
const pp_guest *pp_app_find_guest(pp_app *app, const char *name);
/* Guests G read elsewhere (the console's worker, through V) become the app's, with V its
 * connection (RW: opened writable); G is emptied. */
void pp_app_take_guests(pp_app *app, pp_virt *v, bool rw, pp_guests *g);
/* Forgets guests and owners, so that the next pp_app_guests() reads them anew (after a change). */
void pp_app_forget_guests(pp_app *app);
void pp_app_free(pp_app *app);

/* Reads the inventory again (after a driver changed); false, old one kept, when it cannot. */
bool pp_app_reload_host(pp_app *app);
/* Prints the inventory's warnings to stderr, once. */
void pp_app_print_host_warnings(pp_app *app);
/* One warning on stderr for each guest read whose definition is not well-formed. */
void pp_app_print_guest_warnings(pp_app *app);

#endif
