/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libvirt connection and its errors. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "pcipass/common.h"
#include "virt-private.h"

/* libvirt prints every error to stderr unless a handler is set; pcipass reports them itself. */
static void quiet_errors(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

void pp_virt_set_error(const char *what)
{
    const char *msg = virGetLastErrorMessage();
    if (msg && *msg && strcmp(msg, "no error") != 0)
        pp_error_set("%s: %s", what, msg);
    else
        pp_error_set("%s", what);
}

int pp_virt_last_error_code(void)
{
    virErrorPtr e = virGetLastError();
    return e ? e->code : VIR_ERR_OK;
}

pp_virt *pp_virt_open(const char *uri, bool readonly)
{
    pp_virt *v;
    virConnectPtr c;
    char *what;

    static int events = -1;

    virSetErrorFunc(NULL, quiet_errors);
    /* before the first connection, so that it can deliver events (a guest's device release) */
    if (events < 0)
        events = virEventRegisterDefaultImpl() == 0;
    c = readonly ? virConnectOpenReadOnly(uri) : virConnectOpen(uri);
    if (!c) {
        what = xasprintf(_("cannot connect to libvirt at '%s'"),
                         uri ? uri : getenv("LIBVIRT_DEFAULT_URI") ? getenv("LIBVIRT_DEFAULT_URI")
                                                                    : _("the default URI"));
        pp_virt_set_error(what);
        free(what);
        return NULL;
    }
    v = xcalloc(1, sizeof(*v));
    v->conn = c;
    v->events = events > 0;
    v->uri = virConnectGetURI(c);
    if (!v->uri)
        v->uri = xstrdup(uri ? uri : "");
    return v;
}

void pp_virt_close(pp_virt *v)
{
    if (!v)
        return;
    virConnectClose(v->conn);
    free(v->uri);
    free(v);
}

const char *pp_virt_uri(const pp_virt *v)
{
    return v->uri;
}

void pp_virt_library_version(char *buf, size_t size)
{
    unsigned long ver = 0;
    if (virGetVersion(&ver, NULL, NULL) == 0)
        snprintf(buf, size, "libvirt %lu.%lu.%lu", ver / 1000000, ver / 1000 % 1000, ver % 1000);
    else
        snprintf(buf, size, "libvirt ?");
}
