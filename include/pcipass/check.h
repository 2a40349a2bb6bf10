/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `pcipass check`: the guided first-time setup, as a list of items both faces show. Each item is
 * pass, warn or fail with one line saying what was found and, unless it passed, one line saying
 * how to fix it. */
#ifndef PCIPASS_CHECK_H
#define PCIPASS_CHECK_H

#include <stddef.h>

#include "pcipass/app.h"

/* PENDING: `pcipass setup` configured it, and it takes effect at the next boot. */
typedef enum { PP_CHECK_PASS, PP_CHECK_WARN, PP_CHECK_FAIL, PP_CHECK_PENDING } pp_check_status;

typedef struct pp_check_item {
    const char *id; /* stable, untranslated: iommu, vfio-pci, dev-vfio, libvirt, hostdev, device */
    pp_check_status status;
    char *message; /* translated */
    char *fix;     /* translated; NULL when passed */
    const char *step; /* the `pcipass setup` step that fixes it (iommu, vfio); NULL: none */
    const char *words; /* iommu: the kernel parameters it needs ("intel_iommu=on") */
} pp_check_item;

typedef struct pp_checks {
    pp_check_item *v;
    size_t n;
} pp_checks;

/* Every check, then the readiness of each of the NSEL functions the operator selected. */
void pp_checks_run(pp_app *app, const pp_pci_addr *sel, size_t nsel, pp_checks *out);
/* The iommu check alone (no libvirt), for the setup step that fixes it. */
void pp_checks_iommu(pp_app *app, pp_checks *out);
/* Failed and pending ones: the host cannot pass a function through yet. */
size_t pp_checks_failed(const pp_checks *c);
void pp_checks_clear(pp_checks *c);
/* "pass", "warn", "fail", "pending" (untranslated, for JSON) */
const char *pp_check_status_name(pp_check_status s);
/* The same, as the CLI and the console show it (translated: pass, warn, FAIL, wait). */
const char *pp_check_status_label(pp_check_status s);

#endif
