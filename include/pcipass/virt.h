/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt: the connection, the guests (read in one pass), and the two writes pcipass makes. The
 * only module that includes libvirt's headers. libvirt's own error text is kept in the error slot,
 * prefixed with what pcipass was doing. */
#ifndef PCIPASS_VIRT_H
#define PCIPASS_VIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "pcipass/guest.h"
#include "pcipass/hostdev.h"

typedef struct pp_virt pp_virt;

/* URI NULL: LIBVIRT_DEFAULT_URI, else libvirt's default. READONLY for commands that only read, so
 * that an operator without write access can still review. */
pp_virt *pp_virt_open(const char *uri, bool readonly);
void pp_virt_close(pp_virt *v);
/* How long pcipass waits for a libvirt daemon that does not answer: $PCIPASS_LIBVIRT_TIMEOUT
 * seconds (1-3600), else PP_VIRT_TIMEOUT. Connections use libvirt's keepalive to end a call to
 * a daemon that stopped answering after about that long. */
#define PP_VIRT_TIMEOUT 30
int pp_virt_timeout(void);
/* For the CLI: a connection that is not open after that long ends the process, with a message
 * (the console opens connections in a worker it can stop waiting for instead). */
void pp_virt_connect_watchdog(bool on);
const char *pp_virt_uri(const pp_virt *v);
/* "libvirt 9.0.0" of the library pcipass runs with */
void pp_virt_library_version(char *buf, size_t size);
/* The version of the libvirt behind V (virConnectGetLibVersion: the daemon's, for a remote URI),
 * as major * 1000000 + minor * 1000 + micro; 0 with the error slot set when it does not say. */
unsigned long pp_virt_lib_version(pp_virt *v);
/* VER as "9.0.0" */
void pp_virt_version_text(unsigned long ver, char *buf, size_t size);
/* The first libvirt versions that take what pcipass can ask for */
#define PP_LIBVIRT_DRIVER_MODEL 10000000UL /* <driver model='NAME'/>, nodedev-detach --driver */
#define PP_LIBVIRT_IOMMUFD 12001000UL      /* <driver iommufd='yes'/>, iommufd without the VFIO
                                              container */

/* Every guest, active and inactive, with the live XML of running ones and the inactive XML of
 * persistent ones: one pass, no call per host function. */
bool pp_virt_guests(pp_virt *v, pp_guests *out);
/* One guest, by UUID, read again from libvirt (the truth after a change). false with the error
 * slot set. */
bool pp_virt_guest_reread(pp_virt *v, const char *uuid, pp_guest *out);
/* untranslated, as virsh words it (JSON uses it as is; text passes it through _()) */
const char *pp_guest_state_name(const pp_guest *g);

enum { PP_AFFECT_LIVE = 1, PP_AFFECT_CONFIG = 2 };
/* Whether the driver behind V can attach and detach devices of a running guest: false for
 * libvirt's test driver (the demo), told by the driver's name before anything is sent. V NULL:
 * true (libvirt says the rest). */
bool pp_virt_live_devices(const pp_virt *v);
/* The configurations a change to G through V can go to, the default first: running persistent:
 * both, persistent only, live only; shut off: persistent; transient: live; where V's driver
 * cannot change a running guest's devices, only the persistent one. *WHY (may be NULL): then the
 * reason, untranslated (N_), else NULL. Returns how many (0: none can). The one rule for the CLI,
 * the form and the review. */
size_t pp_virt_affect_choices(const pp_virt *v, const pp_guest *g, unsigned out[3],
                              const char **why);
/* The configurations a change goes to: the given ones checked against the guest's state and what
 * V can do, or the default of pp_virt_affect_choices. false with the error slot set, in words. */
bool pp_virt_affect(const pp_virt *v, const pp_guest *g, bool want_live, bool want_config,
                    unsigned *affect);

/* Detaches the element of SOURCE as libvirt holds it (libvirt matches on the source address);
 * *REMOVED is that element. A live detach returning means the unplug was requested: whether the
 * guest released the function, pp_virt_wait_released tells. */
bool pp_virt_detach(pp_virt *v, const pp_guest *g, const pp_pci_addr *source, unsigned affect,
                    char **removed);

/* Several functions as one step, all or nothing: attached one by one through the device API, the
 * ones done detached again if a later one fails; only a driver without device attach (libvirt's
 * test driver) gets one redefinition, persistent-only. Nothing is read back here: the change
 * service reads the guest back itself. */
bool pp_virt_attach_many(pp_virt *v, const pp_guest *g, const pp_hostdev *hds, size_t n,
                         unsigned affect);
/* Waits until the running guest G no longer holds any of the N functions of SOURCES (libvirt's
 * device-removed event, and a look at the live definition now and then), at most SECONDS.
 * PRESENT[i] tells which it still holds afterwards; false with the error slot set when the live
 * definition could not be read. */
bool pp_virt_wait_released(pp_virt *v, const pp_guest *g, const pp_pci_addr *sources, size_t n,
                           double seconds, bool *present);

/* After a failed call: whether its answer was lost rather than given (the connection died in
 * it, e.g. keepalive gave up on a stopped daemon): the call may still be carried out. */
bool pp_virt_answer_lost(pp_virt *v);
/* Waits until libvirt has finished whatever it was asked to change in G before (a client killed
 * in the middle of a request leaves libvirtd to finish it): asks for a change that needs the
 * guest's job and changes nothing. false with the error slot set when libvirt fails otherwise. */
bool pp_virt_settle(pp_virt *v, const pp_guest *g);
/* The elements of SOURCES as the guest holds them now, read back from libvirt: *XML the text of
 * each (from the persistent definition where AFFECT has it, else the live one), *MISSING how
 * many element-configuration pairs of AFFECT lack one. false with the error slot set when the
 * guest cannot be read. */
bool pp_virt_read_held(pp_virt *v, const pp_guest *g, unsigned affect, const pp_pci_addr *sources,
                       size_t n, char **xml, size_t *missing);
/* The words for a set of configurations, untranslated (N_): "live and persistent configuration",
 * "live configuration", "persistent configuration"; the faces pass them through _(). */
const char *pp_affect_words(unsigned affect);
/* The same set as a choice or a title says it, untranslated (N_): "live and persistent",
 * "live only", "persistent only". */
const char *pp_affect_choice(unsigned affect);
/* The set of configurations a guest's owner entry names (LIVE, CONFIG). */
#define PP_AFFECT_OF(live, config)                                                                 \
    (((live) ? PP_AFFECT_LIVE : 0u) | ((config) ? PP_AFFECT_CONFIG : 0u))

/* Stores XML (pp_identity_to_xml) as the guest's pcipass metadata in the configurations of
 * AFFECT (virDomainSetMetadata); XML NULL removes it. false with the error slot set. */
bool pp_virt_set_identity(pp_virt *v, const pp_guest *g, unsigned affect, const char *xml);

/* The XML of every PCI node device of the connection's host (a remote host's inventory), handed
 * to EACH one device at a time on the calling thread, in the list's order, as soon as it is in:
 * NAME (pci_DDDD_BB_SS_F), XML (EACH owns it) or NULL and ERROR libvirt's reason when that device
 * could not be read. */
typedef void pp_nodedev_each(void *ctx, const char *name, char *xml, const char *error);
/* One list call, then the XML with several requests in flight while EACH reads what is in.
 * *ROUND_TRIPS (may be NULL): the calls made. false with the error slot set when the devices
 * cannot be listed at all. */
bool pp_virt_nodedevs(pp_virt *v, pp_nodedev_each *each, void *ctx, unsigned *round_trips);

/* Binds ADDR to vfio-pci, or to the VFIO variant DRIVER (non-NULL; libvirt 10.0), through libvirt
 * (virNodeDeviceDetachFlags) or gives it back to its host
 * driver (virNodeDeviceReAttach). */
bool pp_virt_prepare(pp_virt *v, const pp_pci_addr *addr, bool release, const char *driver);

/* Whether the hypervisor behind the connection can take PCI hostdevs, and through vfio. false
 * with the error slot set when libvirt cannot say. */
bool pp_virt_hostdev_support(pp_virt *v, bool *pci, bool *vfio);

#endif
