/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the files of the virt module only. */
#ifndef PCIPASS_VIRT_PRIVATE_H
#define PCIPASS_VIRT_PRIVATE_H

#include <libvirt/libvirt.h>

#include "pcipass/virt.h"

struct pp_virt {
    virConnectPtr conn;
    char *uri;
    bool events; /* pcipass's event loop is registered with libvirt: events can be waited for */
    bool no_live_devices; /* the driver has no live device attach or detach (libvirt's test
                             driver), known from its name before anything is sent */
};

/* Sets the error slot to "WHAT: libvirt's last message". */
void pp_virt_set_error(const char *what);
int pp_virt_last_error_code(void);

#endif
