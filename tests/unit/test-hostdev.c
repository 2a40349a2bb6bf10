/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hostdev model: build, parse back, and edit a domain XML keeping everything else. */
#include <config.h>

#include <stdlib.h>

#include "pcipass/common.h"
#include "pcipass/hostdev.h"
#include "tap.h"

static const char *domain_xml =
    "<domain type='kvm'>\n"
    "  <name>g1</name>\n"
    "  <uuid>00000000-0000-0000-0000-000000000001</uuid>\n"
    "  <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>\n"
    "  <!-- an operator's comment survives -->\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'><source file='/x.qcow2'/><target dev='vda'/>\n"
    "      <address type='pci'><zpci uid='0x0007' fid='9'/></address></disk>\n"
    "    <hostdev mode='subsystem' type='pci' managed='no'>\n"
    "      <source><address domain='0x0001' bus='0x00' slot='0x00' function='0x0'/></source>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'>\n"
    "        <zpci uid='0x0001' fid='0x00000010'/></address>\n"
    "    </hostdev>\n"
    "    <hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/><product id='0x2'/></source></hostdev>\n"
    "    <interface type='hostdev' managed='yes'><mac address='52:54:00:01:02:03'/>\n"
    "      <source><address type='pci' domain='0x0000' bus='0x17' slot='0x02' function='0x1'/></source>\n"
    "    </interface>\n"
    "    <interface type='network'><source network='default'/></interface>\n"
    "  </devices>\n"
    "</domain>\n";

int main(void)
{
    pp_domain_info d, d2;
    pp_hostdev hd = { 0 };
    pp_pci_addr a;
    char *xml, *x2;
    const pp_hostdev *found;

    ok(pp_domain_parse(domain_xml, &d), "domain XML parses");
    is_str(d.name, "g1", "name");
    is_str(d.arch, "s390x", "arch");
    is_str(d.machine, "s390-ccw-virtio", "machine");
    ok(d.ndevs == 2, "a PCI hostdev and a hostdev interface; USB hostdev and network NIC ignored (%zu)",
       d.ndevs);
    ok(d.nuids == 2 && d.nfids == 2, "zPCI ids of every device, the disk's too");
    ok(d.uids[0] == 7 && d.fids[0] == 9, "decimal and hex ids read");
    pp_pci_addr_parse("0001:00:00.0", "t", &a);
    found = pp_domain_find(&d, &a);
    ok(found && found->managed == PP_MANAGED_NO && found->has_uid && found->uid == 1 &&
           found->fid == 0x10 && found->guest_addr_full && found->guest_addr.slot == 2,
       "hostdev read back: managed, zPCI, guest address");
    pp_pci_addr_parse("0000:17:02.1", "t", &a);
    found = pp_domain_find(&d, &a);
    ok(found && found->kind == PP_HD_INTERFACE && strcmp(found->mac, "52:54:00:01:02:03") == 0,
       "interface read back with its MAC");

    /* validation against this guest */
    pp_pci_addr_parse("0002:00:00.0", "t", &hd.source);
    hd.managed = PP_MANAGED_YES;
    hd.has_uid = true;
    hd.uid = 7;
    ok(!pp_hostdev_validate(&hd, &d), "uid used by a disk is refused");
    hd.uid = 2;
    hd.has_fid = true;
    hd.fid = 9;
    ok(!pp_hostdev_validate(&hd, &d), "fid used by a disk is refused");
    hd.fid = 11;
    ok(pp_hostdev_validate(&hd, &d), "free ids are accepted");
    free(d.arch);
    d.arch = xstrdup("x86_64");
    ok(!pp_hostdev_validate(&hd, &d), "zPCI on x86_64 is refused");
    ok(strstr(pp_error_get(), "s390x guests only") != NULL, "and says why");

    /* add keeps everything else and round-trips */
    x2 = pp_domain_add(domain_xml, &hd);
    ok(x2 != NULL, "hostdev added to the domain");
    ok(x2 && strstr(x2, "an operator's comment survives") && strstr(x2, "<vendor id=\"0x1\"/>"),
       "comment and unrelated devices kept");
    ok(x2 && pp_domain_parse(x2, &d2) && d2.ndevs == 3, "the new definition holds three");
    found = pp_domain_find(&d2, &hd.source);
    ok(found && found->uid == 2 && found->fid == 11 && found->managed == PP_MANAGED_YES,
       "the added element reads back as built");
    xml = pp_domain_element_xml(x2, &hd.source);
    ok(xml && strstr(xml, "<zpci uid=\"0x0002\" fid=\"0x0000000b\"/>"), "element found by source");
    free(xml);
    pp_domain_info_clear(&d2);

    xml = pp_domain_remove(x2, &hd.source);
    ok(xml && pp_domain_parse(xml, &d2) && d2.ndevs == 2 && !pp_domain_find(&d2, &hd.source),
       "and removed again");
    ok(xml && strstr(xml, "an operator's comment survives"), "remove keeps the rest");
    pp_domain_info_clear(&d2);
    free(xml);
    ok(pp_domain_remove(x2, &(pp_pci_addr){ 9, 9, 9, 1 }) == NULL, "removing an absent one fails");
    free(x2);

    ok(!pp_domain_parse("<notdomain/>", &d2), "a non-domain document is refused");
    ok(!pp_domain_parse("no XML at all", &d2), "what is no XML even with recovery is refused");
    ok(strstr(pp_error_get(), "not a libvirt domain XML") != NULL, "with a message");
    /* a guest's definition that is not well-formed (libvirt writes a description's ESC raw) is
     * read with recovery: what it holds is found, and it is marked as not known for sure */
    ok(pp_domain_parse("<domain><name>g</name><description>a\033b</description><devices>"
                       "<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' "
                       "bus='0x17' slot='0x02' function='0x1'/></source></hostdev></devices>"
                       "</domain>",
                       &d2) &&
           d2.ndevs == 1 && d2.damaged && strstr(d2.damaged, "invalid Char value 27"),
       "an ESC in the description: read with recovery, its hostdev found, marked damaged");
    pp_domain_info_clear(&d2);
    ok(pp_domain_parse("<domain><devices>", &d2) && d2.damaged,
       "a cut-off domain: read with recovery");
    pp_domain_info_clear(&d2);
    /* what the tree holds, as XPath reads it: elements and attributes in a namespace are not
     * libvirt's, and a DTD's default attribute values are not in the definition */
    ok(pp_domain_parse("<!DOCTYPE domain [<!ATTLIST type arch CDATA 'dtdarch'>"
                       "<!ATTLIST controller type CDATA 'pci' model CDATA 'pcie-root'>]>"
                       "<domain xmlns:q='urn:q'><name>n</name><q:name>x</q:name>"
                       "<os><type machine='m0'>hvm</type><type arch='s390x'/><q:boot/></os>"
                       "<devices><controller index='0'/><disk><q:boot order='4'/><boot order='3'/>"
                       "<address q:type='pci' domain='0' bus='0' slot='5' function='0'/>"
                       "<address type='pci' domain='0' bus='0' slot='6' function='0'/></disk>"
                       "</devices></domain>",
                       &d2) &&
           !d2.damaged && d2.name && strcmp(d2.name, "n") == 0 && d2.arch &&
           strcmp(d2.arch, "s390x") == 0 && d2.machine && strcmp(d2.machine, "m0") == 0 &&
           !d2.pcie && !d2.os_boot && d2.nboot_orders == 1 && d2.boot_orders[0] == 3 &&
           d2.nslots == 1 && d2.slots[0].slot == 6,
       "namespaced parts and a DTD's defaults are not the definition's");
    pp_domain_info_clear(&d2);

    /* builder: no guest address element unless something goes in it */
    memset(&hd, 0, sizeof(hd));
    hd.managed = PP_MANAGED_UNSET;
    xml = pp_hostdev_to_xml(&hd);
    is_str(xml,
           "<hostdev mode=\"subsystem\" type=\"pci\">\n  <driver name=\"vfio\"/>\n  <source>\n"
           "    <address domain=\"0x0000\" bus=\"0x00\" slot=\"0x00\" function=\"0x0\"/>\n"
           "  </source>\n</hostdev>\n",
           "minimal hostdev");
    free(xml);
    hd.multifunction = true;
    xml = pp_hostdev_to_xml(&hd);
    ok(strstr(xml, "<address type=\"pci\" multifunction=\"on\"/>") != NULL, "multifunction flag");
    free(xml);

    {
        char mac[18];
        uint32_t v;
        ok(pp_hostdev_parse_mac("52:54:00:AB:cd:EF", mac) && strcmp(mac, "52:54:00:ab:cd:ef") == 0,
           "MAC normalised to lower case");
        ok(!pp_hostdev_parse_mac("52-54-00-ab-cd-ef", mac), "MAC with dashes refused");
        ok(!pp_hostdev_parse_mac("52:54:00:ab:cd:eg", mac), "MAC with a non-hex digit refused");
        ok(!pp_hostdev_parse_mac("03:54:00:ab:cd:ef", mac), "multicast MAC refused");
        ok(pp_hostdev_parse_uid("0xffff", &v) && v == 0xffff, "uid 0xffff accepted");
        ok(!pp_hostdev_parse_uid("0", &v), "uid 0 refused");
        ok(strstr(pp_error_get(), "libvirt refuses uid 0") != NULL, "and the message says why");
        ok(pp_hostdev_parse_fid("0xffffffff", &v) && v == 0xffffffffu, "fid 0xffffffff accepted");
        ok(pp_hostdev_parse_fid("0", &v) && v == 0, "fid 0 accepted");
    }
    {
        /* the identity metadata: built, put where libvirt puts it, read back; broken entries out */
        pp_identity ids[2] = { { .vendor = 0x8086, .device = 0x10fb, .subsys_vendor = 0x8086,
                                 .subsys_device = 0x000c, .class_code = 0x020000,
                                 .has_serial = true, .serial = 0x001b21ffffaa0001ULL },
                               { .vendor = 0x15b3, .device = 0x1016, .class_code = 0x020000,
                                 .has_zpci = true, .fid = 0x301, .uid = 0x301 } };
        char *el, *dom, *t;
        pp_domain_info di;
        const pp_identity *got;
        char serial[24];

        ids[0].addr = (pp_pci_addr){ 0, 3, 0, 0 };
        ids[1].addr = (pp_pci_addr){ 1, 0, 0, 0 };
        ok(pp_identity_to_xml(ids, 0) == NULL, "no identities: no element");
        el = pp_identity_to_xml(ids, 2);
        ok(el && strstr(el, "serial=\"00-1b-21-ff-ff-aa-00-01\"") &&
               strstr(el, "zpci-uid=\"0x0301\"") && !strstr(el, "xmlns"),
           "identity element: serial as lspci writes it, zPCI ids, no namespace of its own");
        /* libvirt puts it into the namespace under its key */
        {
            const char *in = strstr(el, ">") + 1, *end = strstr(el, "</identity>");
            t = xasprintf("<pcipass:identity xmlns:pcipass=\"" PP_IDENTITY_NS "\">%.*s"
                          "</pcipass:identity>",
                          (int)(end - in), in);
        }
        dom = xasprintf("<domain><name>x</name><metadata>%s"
                        "<other:identity xmlns:other='urn:other'><function address='0000:09:00.0' "
                        "vendor='0x1' device='0x2' subsystem-vendor='0' subsystem-device='0' "
                        "class='0'/></other:identity></metadata><devices/></domain>",
                        t);
        ok(pp_domain_parse(dom, &di) && di.nids == 2, "both read back, another namespace ignored");
        got = pp_domain_identity(&di, &ids[0].addr);
        ok(got && got->has_serial && got->serial == ids[0].serial && got->subsys_device == 0x000c &&
               got->class_code == 0x020000 && !got->has_zpci,
           "first identity round-trips");
        got = pp_domain_identity(&di, &ids[1].addr);
        ok(got && !got->has_serial && got->has_zpci && got->fid == 0x301 && got->uid == 0x301,
           "second identity round-trips");
        pp_serial_format(0x0102030405060708ULL, serial);
        is_str(serial, "01-02-03-04-05-06-07-08", "serial format, high byte first");
        pp_domain_info_clear(&di);
        free(dom);
        dom = xstrdup("<domain><metadata><p:identity xmlns:p='" PP_IDENTITY_NS "'>"
                      "<p:function address='0000:03:00.0' vendor='0x8086' device='0x10fb' "
                      "subsystem-vendor='0' subsystem-device='0' class='0x20000' serial='zz'/>"
                      "<p:function address='nonsense' vendor='1' device='1' subsystem-vendor='0' "
                      "subsystem-device='0' class='0'/>"
                      "<p:function address='0000:04:00.0' vendor='0x8086'/>"
                      "</p:identity></metadata><devices/></domain>");
        /* a record is evidence: a damaged one is kept, marked, and compared on what reads;
         * only one whose address does not read cannot be told apart from none */
        ok(pp_domain_parse(dom, &di) && di.nids == 2, "damaged identity entries are kept (%zu)",
           di.nids);
        {
            pp_pci_addr a3, a4;
            const pp_identity *i3, *i4;
            pp_pci_addr_parse("0000:03:00.0", "t", &a3);
            pp_pci_addr_parse("0000:04:00.0", "t", &a4);
            i3 = pp_domain_identity(&di, &a3);
            i4 = pp_domain_identity(&di, &a4);
            ok(i3 && i3->unknown == PP_ID_SERIAL && i3->vendor == 0x8086 && i3->device == 0x10fb &&
                   !i3->has_serial,
               "a bad serial: the serial unknown, the ids read");
            ok(i4 && i4->unknown == (PP_ID_DEVICE | PP_ID_SUBSYS_VENDOR | PP_ID_SUBSYS_DEVICE |
                                     PP_ID_CLASS) && i4->vendor == 0x8086,
               "missing fields: unknown, the vendor read");
        }
        pp_domain_info_clear(&di);
        free(dom);
        free(t);
        free(el);
    }
    pp_domain_info_clear(&d);
    return tap_done();
}
