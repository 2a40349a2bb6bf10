/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only place that talks to libxml2: domain, element, capability and metadata XML, parsed and
 * built. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "pcipass/common.h"
#include "pcipass/hostdev.h"
#include "xml-private.h"

static void set_hex_attr(xmlNodePtr n, const char *name, unsigned long long v, int digits)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "0x%0*llx", digits, v);
    xmlNewProp(n, BAD_CAST name, BAD_CAST buf);
}

static const char *const id_fields[PP_ID_NFIELDS] = { "vendor", "device", "subsystem-vendor",
                                                      "subsystem-device", "class", "serial" };

static void set_pci_attrs(xmlNodePtr n, const pp_pci_addr *a)
{
    set_hex_attr(n, "domain", a->domain, 4);
    set_hex_attr(n, "bus", a->bus, 2);
    set_hex_attr(n, "slot", a->slot, 2);
    set_hex_attr(n, "function", a->function, 1);
}

/* The boot order, the ROM and the VLAN tag, where given. */
static void build_extras(xmlNodePtr root, const pp_hostdev *hd)
{
    char num[16];

    if (hd->boot_order) {
        snprintf(num, sizeof(num), "%u", hd->boot_order);
        xmlNewProp(xmlNewChild(root, NULL, BAD_CAST "boot", NULL), BAD_CAST "order", BAD_CAST num);
    }
    if (hd->rom_bar || hd->rom_file[0]) {
        xmlNodePtr r = xmlNewChild(root, NULL, BAD_CAST "rom", NULL);
        if (hd->rom_bar)
            xmlNewProp(r, BAD_CAST "bar", BAD_CAST(hd->rom_bar == PP_ONOFF_ON ? "on" : "off"));
        if (hd->rom_file[0])
            xmlNewProp(r, BAD_CAST "file", BAD_CAST hd->rom_file);
    }
    if (hd->kind == PP_HD_INTERFACE && hd->vlan) {
        snprintf(num, sizeof(num), "%u", hd->vlan);
        xmlNewProp(xmlNewChild(xmlNewChild(root, NULL, BAD_CAST "vlan", NULL), NULL,
                               BAD_CAST "tag", NULL),
                   BAD_CAST "id", BAD_CAST num);
    }
}

/* The element as a node of DOC (not yet linked anywhere). */
static xmlNodePtr build_node(xmlDocPtr doc, const pp_hostdev *hd)
{
    bool iface = hd->kind == PP_HD_INTERFACE;
    xmlNodePtr root, src, addr;

    root = xmlNewDocNode(doc, NULL, BAD_CAST(iface ? "interface" : "hostdev"), NULL);
    if (iface) {
        xmlNewProp(root, BAD_CAST "type", BAD_CAST "hostdev");
    } else {
        xmlNewProp(root, BAD_CAST "mode", BAD_CAST "subsystem");
        xmlNewProp(root, BAD_CAST "type", BAD_CAST "pci");
    }
    if (hd->managed != PP_MANAGED_UNSET)
        xmlNewProp(root, BAD_CAST "managed", BAD_CAST(hd->managed == PP_MANAGED_YES ? "yes" : "no"));
    if (iface && hd->trust)
        xmlNewProp(root, BAD_CAST "trustGuestRxFilters",
                   BAD_CAST(hd->trust == PP_ONOFF_ON ? "yes" : "no"));
    if (iface && hd->mac[0])
        xmlNewProp(xmlNewChild(root, NULL, BAD_CAST "mac", NULL), BAD_CAST "address", BAD_CAST hd->mac);
    if (!hd->no_driver || hd->driver_model[0] || hd->iommufd) {
        xmlNodePtr d = xmlNewChild(root, NULL, BAD_CAST "driver", NULL);
        if (!hd->no_driver)
            xmlNewProp(d, BAD_CAST "name", BAD_CAST "vfio");
        if (hd->driver_model[0])
            xmlNewProp(d, BAD_CAST "model", BAD_CAST hd->driver_model);
        if (hd->iommufd)
            xmlNewProp(d, BAD_CAST "iommufd", BAD_CAST "yes");
    }
    src = xmlNewChild(root, NULL, BAD_CAST "source", NULL);
    addr = xmlNewChild(src, NULL, BAD_CAST "address", NULL);
    if (iface)
        xmlNewProp(addr, BAD_CAST "type", BAD_CAST "pci");
    set_pci_attrs(addr, &hd->source);
    if (hd->has_guest_addr || hd->has_uid || hd->has_fid || hd->multifunction) {
        addr = xmlNewChild(root, NULL, BAD_CAST "address", NULL);
        xmlNewProp(addr, BAD_CAST "type", BAD_CAST "pci");
        if (hd->has_guest_addr && hd->guest_addr_full)
            set_pci_attrs(addr, &hd->guest_addr);
        if (hd->multifunction)
            xmlNewProp(addr, BAD_CAST "multifunction", BAD_CAST "on");
        if (hd->has_uid || hd->has_fid) {
            xmlNodePtr z = xmlNewChild(addr, NULL, BAD_CAST "zpci", NULL);
            if (hd->has_uid)
                set_hex_attr(z, "uid", hd->uid, 4);
            if (hd->has_fid)
                set_hex_attr(z, "fid", hd->fid, 8);
        }
    }
    build_extras(root, hd);
    return root;
}

static char *node_to_string(xmlDocPtr doc, xmlNodePtr n)
{
    xmlBufferPtr buf = xmlBufferCreate();
    char *s;

    xmlNodeDump(buf, doc, n, 0, 1);
    s = xasprintf("%s\n", (const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return s;
}

char *pp_hostdev_to_xml(const pp_hostdev *hd)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr n = build_node(doc, hd);
    char *s;

    xmlDocSetRootElement(doc, n);
    s = node_to_string(doc, n);
    xmlFreeDoc(doc);
    return s;
}

char *pp_identity_to_xml(const pp_identity *v, size_t n)
{
    xmlDocPtr doc;
    xmlNodePtr root;
    char *s, name[PP_PCI_ADDR_STRLEN], serial[24];
    size_t i;

    if (n == 0)
        return NULL;
    doc = xmlNewDoc(BAD_CAST "1.0");
    /* no namespace here: libvirt puts the element and its children into PP_IDENTITY_NS under
     * its key itself, and fails to when the element brings one of its own */
    root = xmlNewDocNode(doc, NULL, BAD_CAST "identity", NULL);
    xmlDocSetRootElement(doc, root);
    for (i = 0; i < n; i++) {
        xmlNodePtr f = xmlNewChild(root, NULL, BAD_CAST "function", NULL);
        pp_pci_addr_format(&v[i].addr, name);
        xmlNewProp(f, BAD_CAST "address", BAD_CAST name);
        /* a damaged record kept for another function: what did not read is left out, never
         * written as a made-up zero */
        const unsigned long long val[] = { v[i].vendor, v[i].device, v[i].subsys_vendor,
                                           v[i].subsys_device, v[i].class_code };
        for (unsigned k = 0; k < 5; k++)
            if (!(v[i].unknown & (1u << k)))
                set_hex_attr(f, id_fields[k], val[k], k == 4 ? 6 : 4);
        if (v[i].has_serial) {
            pp_serial_format(v[i].serial, serial);
            xmlNewProp(f, BAD_CAST "serial", BAD_CAST serial);
        }
        if (v[i].has_zpci) {
            set_hex_attr(f, "zpci-fid", v[i].fid, 8);
            set_hex_attr(f, "zpci-uid", v[i].uid, 4);
        }
    }
    s = node_to_string(doc, root);
    xmlFreeDoc(doc);
    return s;
}

/* ---- parsing ---- */

void pp_xml_init(void)
{
    /* libxml2 sets its globals up on first use, which two threads must not do at once */
    xmlInitParser();
}

static xmlDocPtr read_doc(const char *xml, int extra)
{
    xmlResetLastError(); /* the message below must not come from an earlier parse */
    /* No network, no entity expansion from outside: domain XML is data. */
    return xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                             XML_PARSE_NOBLANKS | extra);
}

static bool is_domain(xmlDocPtr doc)
{
    return doc && xmlDocGetRootElement(doc) &&
           xmlStrcmp(xmlDocGetRootElement(doc)->name, BAD_CAST "domain") == 0;
}

/* The domain XML, strictly. With RECOVERED given, a document that is not well-formed (libvirt
 * writes a control character of a description as it is, which XML does not allow) is read again
 * with libxml2's recovery, *RECOVERED set and the strict parser's complaint in the error slot:
 * what it yields may lack parts, so it is only read, never edited and defined again. */
static xmlDocPtr parse_doc_ex(const char *xml, bool *recovered)
{
    xmlDocPtr doc = read_doc(xml, 0);
    const xmlError *e;
    char *why;

    if (is_domain(doc))
        return doc;
    e = xmlGetLastError();
    why = xstrdup(e && e->message ? e->message : "");
    /* libxml2's messages end in a newline */
    if (*why && why[strlen(why) - 1] == '\n')
        why[strlen(why) - 1] = '\0';
    if (doc)
        xmlFreeDoc(doc);
    doc = recovered ? read_doc(xml, XML_PARSE_RECOVER) : NULL;
    if (is_domain(doc)) {
        /* the strict parser's own words: the caller says what they mean */
        *recovered = true;
        pp_error_set("%s", why);
    } else {
        if (doc)
            xmlFreeDoc(doc);
        doc = NULL;
        if (*why)
            pp_error_set(_("not a libvirt domain XML: %s"), why);
        else
            pp_error_set(_("not a libvirt domain XML"));
    }
    free(why);
    return doc;
}

static xmlDocPtr parse_doc(const char *xml)
{
    return parse_doc_ex(xml, NULL);
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (n = n ? n->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0)
            return n;
    return NULL;
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, BAD_CAST name) : NULL;
    char *s = v ? xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static bool attr_is(xmlNodePtr n, const char *name, const char *want)
{
    char *v = attr(n, name);
    bool r = v && strcmp(v, want) == 0;
    free(v);
    return r;
}

/* libvirt writes hex with 0x but accepts decimal too; read both. */
bool pp_xml_attr_num(xmlNodePtr n, const char *name, unsigned long long max,
                     unsigned long long *out)
{
    char *v = attr(n, name);
    uint64_t x;
    bool ok;

    if (!v)
        return false;
    ok = pp_parse_u64(v, 0, max, &x) == 0;
    if (ok)
        *out = x;
    free(v);
    return ok;
}

const char *pp_identity_field(unsigned i)
{
    return i < PP_ID_NFIELDS ? id_fields[i] : "?";
}

/* One <function> of the identity metadata; the metadata comes from outside (anyone may write a
 * guest's definition). An entry whose address does not read is left out; a field that does not
 * read is marked unknown, so the audit says the record is damaged and compares the rest. */
static bool read_identity(xmlNodePtr n, pp_identity *id)
{
    unsigned long long v[5] = { 0 };
    static const unsigned long long max[] = { 0xffff, 0xffff, 0xffff, 0xffff, 0xffffff };
    char *a = attr(n, "address"), *ser;
    size_t i;
    bool ok;

    memset(id, 0, sizeof(*id));
    ok = a && pp_pci_addr_read(a, &id->addr);
    free(a);
    if (!ok)
        return false;
    for (i = 0; i < 5; i++)
        if (!pp_xml_attr_num(n, id_fields[i], max[i], &v[i]))
            id->unknown |= 1u << i;
    id->vendor = (unsigned)v[0];
    id->device = (unsigned)v[1];
    id->subsys_vendor = (unsigned)v[2];
    id->subsys_device = (unsigned)v[3];
    id->class_code = (uint32_t)v[4];
    if ((ser = attr(n, "serial"))) {
        unsigned b[8];
        int used = 0;
        ok = sscanf(ser, "%2x-%2x-%2x-%2x-%2x-%2x-%2x-%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4],
                    &b[5], &b[6], &b[7], &used) == 8 && ser[used] == '\0';
        free(ser);
        if (!ok) {
            id->unknown |= PP_ID_SERIAL;
        } else {
            id->has_serial = true;
            for (i = 0; i < 8; i++)
                id->serial = (id->serial << 8) | (b[i] & 0xff);
        }
    }
    if (pp_xml_attr_num(n, "zpci-fid", 0xffffffffULL, &v[0]) &&
        pp_xml_attr_num(n, "zpci-uid", 0xffff, &v[1])) {
        id->has_zpci = true;
        id->fid = (uint32_t)v[0];
        id->uid = (uint32_t)v[1];
    }
    return true;
}

bool pp_xml_read_pci(xmlNodePtr a, pp_pci_addr *out)
{
    unsigned long long d, b, s, f;
    /* an absent domain is libvirt's 0; one that is there but not read is never taken for 0 */
    if (!xmlHasProp(a, BAD_CAST "domain"))
        d = 0;
    else if (!pp_xml_attr_num(a, "domain", PP_PCI_DOMAIN_MAX, &d))
        return false;
    if (!pp_xml_attr_num(a, "bus", PP_PCI_BUS_MAX, &b) ||
        !pp_xml_attr_num(a, "slot", PP_PCI_SLOT_MAX, &s) ||
        !pp_xml_attr_num(a, "function", PP_PCI_FUNCTION_MAX, &f))
        return false;
    out->domain = (unsigned)d;
    out->bus = (unsigned)b;
    out->slot = (unsigned)s;
    out->function = (unsigned)f;
    return true;
}

static pp_onoff onoff_attr(xmlNodePtr n, const char *name, const char *on, const char *off)
{
    return attr_is(n, name, on)    ? PP_ONOFF_ON
           : attr_is(n, name, off) ? PP_ONOFF_OFF
                                   : PP_ONOFF_UNSET;
}

/* What build_extras() writes, as libvirt stores it. */
static void read_extras(xmlNodePtr n, pp_hostdev *hd)
{
    xmlNodePtr r;
    unsigned long long v;
    char *s;

    if (pp_xml_attr_num(child(n, "boot"), "order", PP_BOOT_ORDER_MAX, &v))
        hd->boot_order = (unsigned)v;
    if ((r = child(n, "rom"))) {
        hd->rom_bar = onoff_attr(r, "bar", "on", "off");
        if ((s = attr(r, "file"))) {
            snprintf(hd->rom_file, sizeof(hd->rom_file), "%s", s);
            free(s);
        }
    }
    if (hd->kind != PP_HD_INTERFACE)
        return;
    hd->trust = onoff_attr(n, "trustGuestRxFilters", "yes", "no");
    if (pp_xml_attr_num(child(child(n, "vlan"), "tag"), "id", PP_VLAN_MAX, &v))
        hd->vlan = (unsigned)v;
}

/* One <hostdev type='pci'> or <interface type='hostdev'>; false for anything else. */
static bool read_element(xmlNodePtr n, pp_hostdev *hd)
{
    xmlNodePtr src, a, z;
    unsigned long long v;
    char *s;

    memset(hd, 0, sizeof(*hd));
    if (xmlStrcmp(n->name, BAD_CAST "hostdev") == 0 && attr_is(n, "mode", "subsystem") &&
        attr_is(n, "type", "pci"))
        hd->kind = PP_HD_HOSTDEV;
    else if (xmlStrcmp(n->name, BAD_CAST "interface") == 0 && attr_is(n, "type", "hostdev"))
        hd->kind = PP_HD_INTERFACE;
    else
        return false;
    hd->no_driver = !(a = child(n, "driver"));
    if ((s = attr(a, "model"))) {
        snprintf(hd->driver_model, sizeof(hd->driver_model), "%s", s);
        free(s);
    }
    hd->iommufd = attr_is(a, "iommufd", "yes");
    read_extras(n, hd);
    src = child(n, "source");
    if (!src || !(a = child(src, "address")) || !pp_xml_read_pci(a, &hd->source))
        return false;
    s = attr(n, "managed");
    hd->managed = !s ? PP_MANAGED_UNSET : strcmp(s, "yes") == 0 ? PP_MANAGED_YES : PP_MANAGED_NO;
    free(s);
    if ((a = child(n, "mac")) && (s = attr(a, "address"))) {
        snprintf(hd->mac, sizeof(hd->mac), "%s", s);
        free(s);
    }
    for (a = n->children; a; a = a->next) {
        if (a->type != XML_ELEMENT_NODE || xmlStrcmp(a->name, BAD_CAST "address") != 0 ||
            !attr_is(a, "type", "pci"))
            continue;
        hd->has_guest_addr = true;
        hd->guest_addr_full = pp_xml_read_pci(a, &hd->guest_addr);
        hd->multifunction = attr_is(a, "multifunction", "on");
        if ((z = child(a, "zpci"))) {
            if ((hd->has_uid = pp_xml_attr_num(z, "uid", 0xffffffffULL, &v)))
                hd->uid = (uint32_t)v;
            if ((hd->has_fid = pp_xml_attr_num(z, "fid", 0xffffffffULL, &v)))
                hd->fid = (uint32_t)v;
        }
    }
    return true;
}

/* The domain's parts are found by walking its tree: the XPath paths below (each element's
 * comment) compiled and run a dozen times per definition cost more than the parse itself on a host
 * of many guests. Each walk keeps XPath's meaning: a name test matches an element in no namespace,
 * '*' any element, [@a='v'] an attribute in no namespace, and results come in document order. */

/* Whether N is the element NAME in no namespace (XPath's test "NAME"). */
static bool el(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !n->ns && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

/* N's attribute NAME in no namespace, as XPath's @NAME finds it: among the attributes the
 * element has, never a default from a DTD (xmlGetNoNsProp would give one). NULL when absent. */
static xmlChar *no_ns_attr(xmlNodePtr n, const char *name)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (!a->ns && xmlStrcmp(a->name, BAD_CAST name) == 0)
            return xmlNodeGetContent((xmlNodePtr)a);
    return NULL;
}

/* Whether N's attribute NAME (in no namespace) is WANT: XPath's [@NAME='WANT']. */
static bool no_ns_attr_is(xmlNodePtr n, const char *name, const char *want)
{
    xmlChar *v = no_ns_attr(n, name);
    bool r = v && xmlStrcmp(v, BAD_CAST want) == 0;
    xmlFree(v);
    return r;
}

/* string(/domain/NAME): the text of the first such element, NULL when empty or absent. */
static char *child_text(xmlNodePtr root, const char *name)
{
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (!el(n, name))
            continue;
        xmlChar *v = xmlNodeGetContent(n);
        char *s = v && *v ? xstrdup((const char *)v) : NULL;
        xmlFree(v);
        return s;
    }
    return NULL;
}

/* string(/domain/os/type/@NAME): the first such attribute in document order. */
static char *os_type_attr(xmlNodePtr root, const char *name)
{
    for (xmlNodePtr os = root->children; os; os = os->next) {
        if (!el(os, "os"))
            continue;
        for (xmlNodePtr t = os->children; t; t = t->next) {
            xmlChar *v;
            if (!el(t, "type") || !(v = no_ns_attr(t, name)))
                continue;
            char *s = *v ? xstrdup((const char *)v) : NULL;
            xmlFree(v);
            return s;
        }
    }
    return NULL;
}

static void push_u32(uint32_t **v, size_t *n, uint32_t x)
{
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[(*n)++] = x;
}

/* /domain/devices/controller[@type='pci'] with a bus behind it: a port is free when no device
 * sits on that bus; a pcie-to-pci-bridge has slots 1 to 31. Called once the slots are known. */
static void read_controller(xmlNodePtr c, pp_domain_info *out)
{
    unsigned long long idx;
    size_t k, used = 0;

    if (!(no_ns_attr_is(c, "model", "pcie-root-port") ||
          no_ns_attr_is(c, "model", "pcie-switch-downstream-port") ||
          no_ns_attr_is(c, "model", "pcie-to-pci-bridge")) ||
        !pp_xml_attr_num(c, "index", PP_PCI_BUS_MAX, &idx))
        return;
    for (k = 0; k < out->nslots; k++)
        used += out->slots[k].bus == idx && out->slots[k].function == 0;
    if (attr_is(c, "model", "pcie-to-pci-bridge")) {
        unsigned slot;
        out->free_bridge_slots += used < PP_PCI_SLOT_MAX ? PP_PCI_SLOT_MAX - used : 0;
        for (slot = 1; used < PP_PCI_SLOT_MAX && !out->bridge_slot.bus && slot <= PP_PCI_SLOT_MAX;
             slot++) {
            for (k = 0; k < out->nslots; k++)
                if (out->slots[k].bus == idx && out->slots[k].slot == slot)
                    break;
            if (k == out->nslots) {
                out->bridge_slot.bus = (unsigned)idx;
                out->bridge_slot.slot = slot;
            }
        }
    } else if (used == 0) {
        out->free_ports = xreallocarray(out->free_ports, out->nfree_ports + 1,
                                        sizeof(*out->free_ports));
        out->free_ports[out->nfree_ports++] = (unsigned)idx;
    }
}

/* One device element (a child of /domain/devices): its hostdev, boot orders, PCI address slots
 * and zPCI ids. */
static void read_device(xmlNodePtr dev, pp_domain_info *out)
{
    unsigned long long v;

    /* /domain/devices/hostdev|/domain/devices/interface */
    if (el(dev, "hostdev") || el(dev, "interface")) {
        pp_hostdev hd;
        if (read_element(dev, &hd)) {
            out->devs = xreallocarray(out->devs, out->ndevs + 1, sizeof(*out->devs));
            out->devs[out->ndevs++] = hd;
        }
    }
    for (xmlNodePtr n = dev->children; n; n = n->next) {
        /* /domain/devices/<any>/boot: libvirt refuses a per-device boot order next to
         * <os><boot>, and one order twice */
        if (el(n, "boot") && pp_xml_attr_num(n, "order", 0xffffffffULL, &v))
            push_u32(&out->boot_orders, &out->nboot_orders, (uint32_t)v);
        if (!el(n, "address") || !no_ns_attr_is(n, "type", "pci"))
            continue;
        /* /domain/devices/<any>/address[@type='pci']: the slots taken */
        pp_pci_addr a;
        if (pp_xml_read_pci(n, &a)) {
            out->slots = xreallocarray(out->slots, out->nslots + 1, sizeof(*out->slots));
            out->slots[out->nslots++] = a;
        }
        /* .../address[@type='pci']/zpci: any device may carry a zPCI address (virtio on s390
         * too), all of them reserve ids */
        for (xmlNodePtr z = n->children; z; z = z->next) {
            if (!el(z, "zpci"))
                continue;
            if (pp_xml_attr_num(z, "uid", 0xffffffffULL, &v))
                push_u32(&out->uids, &out->nuids, (uint32_t)v);
            if (pp_xml_attr_num(z, "fid", 0xffffffffULL, &v))
                push_u32(&out->fids, &out->nfids, (uint32_t)v);
        }
    }
}

/* /domain/metadata/<any>[local-name()='identity' and namespace-uri()=PP_IDENTITY_NS]
 * /<any>[local-name()='function'] */
static void read_identities(xmlNodePtr md, pp_domain_info *out)
{
    for (xmlNodePtr m = md->children; m; m = m->next) {
        if (m->type != XML_ELEMENT_NODE || xmlStrcmp(m->name, BAD_CAST "identity") != 0 ||
            !m->ns || xmlStrcmp(m->ns->href, BAD_CAST PP_IDENTITY_NS) != 0)
            continue;
        for (xmlNodePtr f = m->children; f; f = f->next) {
            pp_identity id;
            if (f->type != XML_ELEMENT_NODE || xmlStrcmp(f->name, BAD_CAST "function") != 0)
                continue;
            if (read_identity(f, &id) && !pp_domain_identity(out, &id.addr)) {
                out->ids = xreallocarray(out->ids, out->nids + 1, sizeof(*out->ids));
                out->ids[out->nids++] = id;
            }
        }
    }
}

bool pp_domain_parse(const char *xml, pp_domain_info *out)
{
    xmlDocPtr doc;
    xmlNodePtr root, n, d;
    bool recovered = false;

    memset(out, 0, sizeof(*out));
    doc = parse_doc_ex(xml, &recovered);
    if (!doc)
        return false;
    if (recovered)
        out->damaged = xstrdup(pp_error_get());
    root = xmlDocGetRootElement(doc);
    /* /domain: a root in a namespace is no domain of libvirt's, and holds nothing known */
    if (!el(root, "domain")) {
        xmlFreeDoc(doc);
        return true;
    }
    out->name = child_text(root, "name");
    out->uuid = child_text(root, "uuid");
    out->arch = os_type_attr(root, "arch");
    out->machine = os_type_attr(root, "machine");
    for (n = root->children; n; n = n->next) {
        if (el(n, "os")) {
            /* boolean(/domain/os/boot) */
            for (d = n->children; d && !out->os_boot; d = d->next)
                out->os_boot = el(d, "boot");
        } else if (el(n, "devices")) {
            for (d = n->children; d; d = d->next)
                if (d->type == XML_ELEMENT_NODE)
                    read_device(d, out);
        } else if (el(n, "metadata")) {
            read_identities(n, out);
        }
    }
    /* the controllers once every slot is known: whether a port is free depends on all of them */
    for (n = root->children; n; n = n->next) {
        if (!el(n, "devices"))
            continue;
        for (d = n->children; d; d = d->next) {
            if (!el(d, "controller") || !no_ns_attr_is(d, "type", "pci"))
                continue;
            /* boolean(/domain/devices/controller[@type='pci'][@model='pcie-root']) */
            out->pcie = out->pcie || no_ns_attr_is(d, "model", "pcie-root");
            read_controller(d, out);
        }
    }
    xmlFreeDoc(doc);
    return true;
}

/* The element of DOC whose source is SOURCE. */
static xmlNodePtr find_node(xmlDocPtr doc, const pp_pci_addr *source)
{
    xmlNodePtr devices = child(xmlDocGetRootElement(doc), "devices"), n;

    for (n = devices ? devices->children : NULL; n; n = n->next) {
        pp_hostdev hd;
        if (n->type == XML_ELEMENT_NODE && read_element(n, &hd) &&
            pp_pci_addr_eq(&hd.source, source))
            return n;
    }
    return NULL;
}

char *pp_domain_element_xml(const char *domxml, const pp_pci_addr *source)
{
    xmlDocPtr doc = parse_doc(domxml);
    xmlNodePtr n;
    char *s = NULL;

    if (!doc)
        return NULL;
    pp_error_clear();
    if ((n = find_node(doc, source)))
        s = node_to_string(doc, n);
    xmlFreeDoc(doc);
    return s;
}

static char *doc_to_string(xmlDocPtr doc)
{
    xmlChar *mem = NULL;
    int len = 0;
    char *s;

    xmlDocDumpFormatMemory(doc, &mem, &len, 1);
    s = xstrdup((const char *)mem);
    xmlFree(mem);
    return s;
}

static xmlNodePtr devices_of(xmlDocPtr doc)
{
    xmlNodePtr devices = child(xmlDocGetRootElement(doc), "devices");
    if (!devices)
        devices = xmlNewChild(xmlDocGetRootElement(doc), NULL, BAD_CAST "devices", NULL);
    return devices;
}

char *pp_domain_add_many(const char *domxml, const pp_hostdev *hds, size_t n)
{
    xmlDocPtr doc = parse_doc(domxml);
    xmlNodePtr devices;
    size_t i;
    char *s;

    if (!doc)
        return NULL;
    devices = devices_of(doc);
    for (i = 0; i < n; i++)
        xmlAddChild(devices, build_node(doc, &hds[i]));
    s = doc_to_string(doc);
    xmlFreeDoc(doc);
    return s;
}

char *pp_domain_add(const char *domxml, const pp_hostdev *hd)
{
    return pp_domain_add_many(domxml, hd, 1);
}

bool pp_elements_parse(const char *text, pp_hostdev **out, size_t *n)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "devices", NULL), list = NULL, c;
    bool ok;

    *out = NULL;
    *n = 0;
    xmlDocSetRootElement(doc, root);
    /* parsed in the context of a <devices> element: the text is data, never pasted into XML */
    ok = xmlParseInNodeContext(root, text, (int)strlen(text),
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                   XML_PARSE_NOBLANKS,
                               &list) == XML_ERR_OK;
    for (c = list; ok && c; c = c->next) {
        pp_hostdev hd;
        if (c->type == XML_ELEMENT_NODE && read_element(c, &hd)) {
            *out = xreallocarray(*out, *n + 1, sizeof(**out));
            (*out)[(*n)++] = hd;
        }
    }
    xmlFreeNodeList(list);
    xmlFreeDoc(doc);
    return ok;
}

bool pp_domcaps_hostdev(const char *capsxml, bool *pci, bool *vfio)
{
    xmlDocPtr doc = xmlReadMemory(capsxml, (int)strlen(capsxml), "domcaps.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlXPathContextPtr ctx;
    xmlXPathObjectPtr o;

    *pci = *vfio = false;
    if (!doc) {
        pp_error_set(_("libvirt's domain capabilities are not readable XML"));
        return false;
    }
    ctx = xmlXPathNewContext(doc);
    o = xmlXPathEvalExpression(
        BAD_CAST "boolean(/domainCapabilities/devices/hostdev[@supported='yes']"
                 "/enum[@name='subsysType']/value[.='pci'])",
        ctx);
    *pci = o && o->boolval;
    xmlXPathFreeObject(o);
    o = xmlXPathEvalExpression(
        BAD_CAST "boolean(/domainCapabilities/devices/hostdev[@supported='yes']"
                 "/enum[@name='pciBackend']/value[.='vfio'])",
        ctx);
    *vfio = o && o->boolval;
    xmlXPathFreeObject(o);

    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return true;
}

char *pp_domain_remove(const char *domxml, const pp_pci_addr *source)
{
    xmlDocPtr doc = parse_doc(domxml);
    xmlNodePtr n;
    char *s;
    char name[PP_PCI_ADDR_STRLEN];

    if (!doc)
        return NULL;
    if (!(n = find_node(doc, source))) {
        pp_pci_addr_format(source, name);
        pp_error_set(_("%s is not in the guest's persistent configuration"), name);
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlUnlinkNode(n);
    xmlFreeNode(n);
    s = doc_to_string(doc);
    xmlFreeDoc(doc);
    return s;
}
