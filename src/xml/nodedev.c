/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Node-device XML (virNodeDeviceGetXMLDesc) of PCI devices. The daemon at the other end is trusted
 * no more than a sysfs tree: every number is range-checked; names keep their bytes and are escaped
 * where they are shown, by the one rule for outside text. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "pcipass/common.h"
#include "pcipass/nodedev.h"
#include "xml-private.h"

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (n = n ? n->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0)
            return n;
    return NULL;
}

static xmlNodePtr cap_child(xmlNodePtr n, const char *type)
{
    for (n = n ? n->children : NULL; n; n = n->next) {
        xmlChar *t;
        bool match;
        if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST "capability") != 0)
            continue;
        t = xmlGetProp(n, BAD_CAST "type");
        match = t && xmlStrcmp(t, BAD_CAST type) == 0;
        xmlFree(t);
        if (match)
            return n;
    }
    return NULL;
}

/* the text as the daemon sent it (escaped where it is shown, as every outside name is); NULL for
 * none or empty */
static char *tamed(const xmlChar *s)
{
    return s && *s ? xstrdup((const char *)s) : NULL;
}

static char *text_of(xmlNodePtr n)
{
    xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
    char *c = tamed(t);
    xmlFree(t);
    return c;
}

static bool number(const xmlChar *s, unsigned long max, unsigned long *out)
{
    uint64_t v;

    if (pp_parse_u64((const char *)s, 0, max, &v) != 0)
        return false;
    *out = (unsigned long)v;
    return true;
}

static bool text_number(xmlNodePtr n, unsigned long max, unsigned long *out)
{
    xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
    bool ok = number(t, max, out);
    xmlFree(t);
    return ok;
}

static bool attr_number(xmlNodePtr n, const char *name, unsigned long max, unsigned long *out)
{
    unsigned long long v;

    if (!pp_xml_attr_num(n, name, max, &v))
        return false;
    *out = (unsigned long)v;
    return true;
}

static bool class_is_bridge(uint32_t class_code)
{
    unsigned cls = class_code >> 8;
    return cls == 0x0600 || cls == 0x0604 || cls == 0x0607 || cls == 0x0609;
}

bool pp_nodedev_parse(const char *xml, pp_function *f, pp_strpool *pool)
{
    xmlDocPtr doc;
    xmlNodePtr root, pci, n;
    unsigned long d, b, s, fn, v;
    bool ok = false;

    doc = xmlReadMemory(xml, (int)strlen(xml), "nodedev.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        pp_error_set(_("not well-formed XML"));
        return false;
    }
    root = xmlDocGetRootElement(doc);
    if (!root || xmlStrcmp(root->name, BAD_CAST "device") != 0 || !(pci = cap_child(root, "pci"))) {
        pp_error_set(_("no <capability type='pci'> in the node device"));
        goto out;
    }
    if (!text_number(child(pci, "domain"), PP_PCI_DOMAIN_MAX, &d) ||
        !text_number(child(pci, "bus"), 0xff, &b) || !text_number(child(pci, "slot"), 0x1f, &s) ||
        !text_number(child(pci, "function"), 7, &fn)) {
        pp_error_set(_("the node device has no valid domain, bus, slot and function"));
        goto out;
    }
    f->addr.domain = (unsigned)d;
    f->addr.bus = (unsigned)b;
    f->addr.slot = (unsigned)s;
    f->addr.function = (unsigned)fn;
    pp_pci_addr_format(&f->addr, f->name);
    f->iommu_group = -1;
    f->numa_node = -1;
    f->pcie = -1;
    if (text_number(child(pci, "class"), 0xffffff, &v))
        f->class_code = (uint32_t)v;
    f->bridge = class_is_bridge(f->class_code);
    if ((n = child(pci, "vendor"))) {
        if (attr_number(n, "id", 0xffff, &v))
            f->vendor_id = (unsigned)v;
        f->vendor_name = pp_strpool_take(pool, text_of(n));
    }
    if ((n = child(pci, "product"))) {
        if (attr_number(n, "id", 0xffff, &v))
            f->device_id = (unsigned)v;
        f->device_name = pp_strpool_take(pool, text_of(n));
    }
    if ((n = child(child(root, "driver"), "name")))
        f->driver = pp_strpool_take(pool, text_of(n));
    if (attr_number(child(pci, "iommuGroup"), "number", 0x7fffffff, &v))
        f->iommu_group = (int)v;
    if (attr_number(child(pci, "numa"), "node", 0x7fffffff, &v))
        f->numa_node = (int)v;
    if ((n = cap_child(pci, "phys_function")) && pp_xml_read_pci(child(n, "address"), &f->physfn))
        f->is_vf = true;
    if ((n = cap_child(pci, "virt_functions"))) {
        xmlNodePtr a;
        f->is_pf = true;
        if (attr_number(n, "maxCount", 0xffff, &v))
            f->sriov_total = (unsigned)v;
        for (a = n->children; a; a = a->next)
            if (a->type == XML_ELEMENT_NODE && xmlStrcmp(a->name, BAD_CAST "address") == 0)
                f->sriov_enabled++;
    }
    /* libvirt writes it only for PCI Express functions it could read the capability of */
    if (child(pci, "pci-express"))
        f->pcie = 1;
    ok = true;
out:
    xmlFreeDoc(doc);
    return ok;
}
