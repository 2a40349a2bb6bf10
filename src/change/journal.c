/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The undo journal (format in journal.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "pcipass/file.h"
#include "pcipass/common.h"
#include "pcipass/journal.h"
#include "pcipass/zio.h"

#define MAGIC1 "#pcipass-journal v1 "
#define MAGIC "#pcipass-journal v2 "
#define MAGIC_PREFIX "#pcipass-journal v"
/* a record larger than this is damage, not a record */
#define MAX_RECORD (16u << 20)

static uint32_t checksum(const char *p, size_t n)
{
    return pp_crc32(p, n);
}

char *pp_journal_path(const char *override)
{
    const char *env = getenv("PCIPASS_JOURNAL"), *state = getenv("XDG_STATE_HOME"),
               *home = getenv("HOME");

    if (override && *override)
        return xstrdup(override);
    if (env && *env)
        return xstrdup(env);
    if (geteuid() == 0)
        return xstrdup("/var/lib/pcipass/journal");
    if (state && *state == '/')
        return xasprintf("%s/pcipass/journal", state);
    if (home && *home == '/')
        return xasprintf("%s/.local/state/pcipass/journal", home);
    /* a relative path would be wherever the operator happens to stand */
    pp_error_set(_("journal: neither XDG_STATE_HOME nor HOME is an absolute path; give the "
                   "journal with --journal FILE"));
    return NULL;
}

/* Whether a part of the journal's path may be trusted. The journal's own file and directory: this
 * user's, writable by nobody else. The directories above: this user's or root's, and writable by
 * others only when sticky and root's (/tmp), where nobody can swap what is below. */
static bool trusted(const char *path, const struct stat *st, bool above)
{
    uid_t me = geteuid();

    if (st->st_uid != me && !(above && st->st_uid == 0)) {
        pp_error_set(_("journal: '%s' belongs to user %ld, not to this user (%ld); refusing to "
                       "use it"),
                     path, (long)st->st_uid, (long)me);
        return false;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
        !(above && st->st_uid == 0 && (st->st_mode & S_ISVTX))) {
        pp_error_set(_("journal: '%s' is writable by other users (mode %04o); refusing to use it "
                       "(chmod go-w fixes it)"),
                     path, (unsigned)(st->st_mode & 07777));
        return false;
    }
    return true;
}

/* mkdir -p of PATH's directory, each part checked; CREATE false only checks what exists. */
static bool check_parents(const char *path, bool create)
{
    char *dir = xstrdup(path), *p;
    struct stat st;
    bool ok = true;

    if ((p = strrchr(dir, '/')))
        *p = '\0';
    else
        dir[0] = '\0';
    for (p = dir + 1; ok && *dir; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
            pp_error_set(_("journal: cannot create directory '%s': %s"), dir, strerror(errno));
            ok = false;
        } else if (lstat(dir, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                pp_error_set(_("journal: '%s' is not a directory"), dir);
                ok = false;
            } else {
                ok = trusted(dir, &st, c != '\0');
            }
        } else if (create || errno != ENOENT) {
            pp_error_set(_("journal: cannot read directory '%s': %s"), dir, strerror(errno));
            ok = false;
        } else {
            break; /* not there yet: nothing below it to read either */
        }
        *p = c;
        if (!c)
            break;
    }
    free(dir);
    return ok;
}

/* Opens the journal file itself: no link followed, no blocking on a FIFO, a regular file of this
 * user that nobody else may write. */
static int open_checked(const char *path, int flags)
{
    struct stat st;
    int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600), e;

    if (fd < 0) {
        e = errno;
        if (e == ELOOP)
            pp_error_set(_("journal: '%s' is a symbolic link; refusing to follow it"), path);
        else if (e != ENOENT || (flags & O_CREAT))
            pp_error_set(_("journal: cannot open '%s': %s (--journal FILE chooses another)"), path,
                         strerror(e));
        errno = e;
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        pp_error_set(_("journal: '%s' is not a regular file; refusing to use it"), path);
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (!trusted(path, &st, false)) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    /* back to blocking writes for a regular file */
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int pp_journal_open(const char *path)
{
    if (!check_parents(path, true))
        return -1;
    return open_checked(path, O_WRONLY | O_APPEND | O_CREAT);
}

int pp_journal_open_lock(const char *journal)
{
    char *path = xasprintf("%s.lock", journal);
    int fd = check_parents(path, true) ? open_checked(path, O_RDWR | O_CREAT) : -1;

    free(path);
    return fd;
}

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *onoff_json(pp_onoff v)
{
    return v == PP_ONOFF_UNSET ? NULL : json_object_new_string(v == PP_ONOFF_ON ? "on" : "off");
}

/* The options of issue-era elements: ROM, boot order, VLAN, trust, variant driver, iommufd. */
static void elem_extras_to_json(json_object *o, const pp_hostdev *hd)
{
    json_object_object_add(o, "rom_bar", onoff_json(hd->rom_bar));
    json_object_object_add(o, "rom_file", hd->rom_file[0] ? json_object_new_string(hd->rom_file)
                                                          : NULL);
    json_object_object_add(o, "boot_order",
                           hd->boot_order ? json_object_new_int64(hd->boot_order) : NULL);
    json_object_object_add(o, "vlan", hd->vlan ? json_object_new_int64(hd->vlan) : NULL);
    json_object_object_add(o, "trust", onoff_json(hd->trust));
    json_object_object_add(o, "driver_model", hd->driver_model[0]
                                                  ? json_object_new_string(hd->driver_model)
                                                  : NULL);
    json_object_object_add(o, "iommufd", json_object_new_boolean(hd->iommufd));
}

static json_object *elem_to_json(const pp_hostdev *hd)
{
    json_object *o = json_object_new_object();
    char a[PP_PCI_ADDR_STRLEN];

    json_object_object_add(o, "kind",
                           json_object_new_string(hd->kind == PP_HD_INTERFACE ? "interface"
                                                                              : "hostdev"));
    pp_pci_addr_format(&hd->source, a);
    json_object_object_add(o, "source", json_object_new_string(a));
    json_object_object_add(o, "managed",
                           hd->managed == PP_MANAGED_UNSET
                               ? NULL
                               : json_object_new_string(hd->managed == PP_MANAGED_YES ? "yes"
                                                                                      : "no"));
    if (hd->has_guest_addr && hd->guest_addr_full) {
        pp_pci_addr_format(&hd->guest_addr, a);
        json_object_object_add(o, "guest_address", json_object_new_string(a));
    } else {
        json_object_object_add(o, "guest_address", NULL);
    }
    json_object_object_add(o, "multifunction", json_object_new_boolean(hd->multifunction));
    json_object_object_add(o, "zpci_uid", hd->has_uid ? json_object_new_int64(hd->uid) : NULL);
    json_object_object_add(o, "zpci_fid", hd->has_fid ? json_object_new_int64(hd->fid) : NULL);
    json_object_object_add(o, "mac", hd->mac[0] ? json_object_new_string(hd->mac) : NULL);
    json_object_object_add(o, "driver", hd->no_driver ? NULL : json_object_new_string("vfio"));
    elem_extras_to_json(o, hd);
    return o;
}

/* ---- the bytes of files: base64, since JSON text holds no arbitrary bytes ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_object *bytes_to_json(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    char *o, *q;
    size_t i;
    json_object *j;

    if (!p)
        return NULL;
    q = o = xmalloc(4 * ((n + 2) / 3) + 1);
    for (i = 0; i < n; i += 3) {
        unsigned v = (unsigned)u[i] << 16 | (i + 1 < n ? (unsigned)u[i + 1] << 8 : 0) |
                     (i + 2 < n ? u[i + 2] : 0);
        *q++ = b64[v >> 18 & 63];
        *q++ = b64[v >> 12 & 63];
        *q++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
        *q++ = i + 2 < n ? b64[v & 63] : '=';
    }
    *q = '\0';
    j = json_object_new_string(o);
    free(o);
    return j;
}

/* false when S is no base64 text (then the file is left out: damage the checksum did not see) */
static bool bytes_from_json(json_object *v, char **out, size_t *len)
{
    const char *s;
    size_t n, i, k = 0;
    char *o;

    *out = NULL;
    *len = 0;
    if (!v)
        return true;
    if (!json_object_is_type(v, json_type_string))
        return false;
    s = json_object_get_string(v);
    n = strlen(s);
    if (n % 4)
        return false;
    o = xmalloc(n / 4 * 3 + 1);
    for (i = 0; i < n; i += 4) {
        unsigned v4 = 0, pad = 0, c;
        for (c = 0; c < 4; c++) {
            const char *d = s[i + c] ? strchr(b64, s[i + c]) : NULL;
            if (s[i + c] == '=' && i + 4 == n && c >= 2) {
                pad++;
                v4 <<= 6;
                continue;
            }
            if (!d || pad) {
                free(o);
                return false;
            }
            v4 = v4 << 6 | (unsigned)(d - b64);
        }
        o[k++] = (char)(v4 >> 16);
        if (pad < 2)
            o[k++] = (char)(v4 >> 8 & 255);
        if (pad < 1)
            o[k++] = (char)(v4 & 255);
    }
    o[k] = '\0';
    *out = o;
    *len = k;
    return true;
}

static char *memdup0(const char *p, size_t n)
{
    char *o = xmalloc(n + 1);
    memcpy(o, p, n);
    o[n] = '\0';
    return o;
}

void pp_jrec_add_file(pp_jrec *r, const char *path, const char *before, size_t before_len,
                      const char *after, size_t after_len)
{
    pp_jfile *f;

    r->files = xreallocarray(r->files, r->nfiles + 1, sizeof(*r->files));
    f = &r->files[r->nfiles++];
    f->path = xstrdup(path);
    f->before = before ? memdup0(before, before_len) : NULL;
    f->before_len = before ? before_len : 0;
    f->after = after ? memdup0(after, after_len) : NULL;
    f->after_len = after ? after_len : 0;
}

static json_object *files_to_json(const pp_jrec *r)
{
    json_object *a = json_object_new_array();
    size_t i;

    for (i = 0; i < r->nfiles; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(r->files[i].path));
        json_object_object_add(o, "before",
                               bytes_to_json(r->files[i].before, r->files[i].before_len));
        json_object_object_add(o, "after", bytes_to_json(r->files[i].after, r->files[i].after_len));
        json_object_array_add(a, o);
    }
    return a;
}

static void files_from_json(json_object *o, pp_jrec *r)
{
    json_object *a, *e, *v;
    size_t i, k;

    if (!json_object_object_get_ex(o, "files", &a) || !json_object_is_type(a, json_type_array))
        return;
    k = json_object_array_length(a);
    r->files = xcalloc(k ? k : 1, sizeof(*r->files));
    for (i = 0; i < k; i++) {
        pp_jfile *f = &r->files[r->nfiles];
        e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "path", &v) ||
            !json_object_is_type(v, json_type_string) || *json_object_get_string(v) != '/')
            continue;
        if (!bytes_from_json(json_object_object_get_ex(e, "before", &v) ? v : NULL, &f->before,
                             &f->before_len) ||
            !bytes_from_json(json_object_object_get_ex(e, "after", &v) ? v : NULL, &f->after,
                             &f->after_len)) {
            free(f->before);
            continue;
        }
        json_object_object_get_ex(e, "path", &v);
        f->path = xstrdup(json_object_get_string(v));
        r->nfiles++;
    }
}

bool pp_journal_append(int fd, const char *path, pp_jrec *r)
{
    json_object *o = json_object_new_object(), *el;
    struct timespec ts;
    struct tm tm;
    char tbuf[32], *rec;
    const char *payload;
    size_t plen, rlen, off = 0, i;
    ssize_t w;
    off_t before;
    bool ok = true;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (!r->id)
        r->id = xasprintf("%llx-%ld", (unsigned long long)ts.tv_sec * 1000000000ULL +
                                          (unsigned long long)ts.tv_nsec,
                          (long)getpid());
    if (!r->time) {
        gmtime_r(&ts.tv_sec, &tm);
        strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        r->time = xstrdup(tbuf);
    }
#define PUT(name) json_object_object_add(o, #name, str_or_null(r->name))
    PUT(id);
    PUT(time);
    PUT(uri);
    PUT(phase);
    PUT(intent);
    PUT(guest);
    PUT(uuid);
    PUT(action);
    PUT(devices);
    PUT(flags);
    PUT(undoes);
#undef PUT
    el = json_object_new_array();
    for (i = 0; i < r->nelems; i++)
        json_object_array_add(el, elem_to_json(&r->elems[i]));
    json_object_object_add(o, "elements", el);
    json_object_object_add(o, "xml", str_or_null(r->xml));
    if (r->nfiles)
        json_object_object_add(o, "files", files_to_json(r));
    if (r->commands)
        json_object_object_add(o, "commands", json_object_new_string(r->commands));
    /* plain: one line, no newline inside (json-c escapes them) */
    payload =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    plen = strlen(payload);
    rec = xasprintf(MAGIC "%zu %08x\n%s\n", plen, checksum(payload, plen), payload);
    json_object_put(o);
    rlen = strlen(rec);
    /* where the last whole record ends: a write that fails part way is cut back to it */
    before = lseek(fd, 0, SEEK_END);
    /* one write(): O_APPEND makes it land whole after any other writer's record */
    while (off < rlen) {
        w = write(fd, rec + off, rlen - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            pp_error_set(_("journal: cannot write to '%s': %s"), path,
                         w < 0 ? strerror(errno) : _("short write"));
            ok = false;
            /* no torn record left behind: the journal ends at its last whole one (changes
             * are written under the host-wide lock: nobody appended meanwhile) */
            if (off && before >= 0 && ftruncate(fd, before) != 0)
                pp_error_set(_("journal: cannot write to '%s', and cutting back the part "
                               "written failed: %s"),
                             path, strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (ok && fsync(fd) != 0) {
        pp_error_set(_("journal: cannot sync '%s': %s"), path, strerror(errno));
        ok = false;
    }
    free(rec);
    return ok;
}

/* ---- reading ---- */

static char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return xstrdup(json_object_get_string(v));
}

/* One element's fields; false when they do not make an element (then it is left out). */
/* A journal is outside input: each value checked as the options check it. */
static bool onoff_from_json(json_object *o, const char *key, pp_onoff *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return true;
    return pp_hostdev_parse_onoff(json_object_get_string(v), key, out);
}

static bool uint_from_json(json_object *o, const char *key, unsigned min, unsigned max,
                           unsigned *out)
{
    json_object *v;
    int64_t n;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return true;
    n = json_object_get_int64(v);
    if (n < min || n > max)
        return false;
    *out = (unsigned)n;
    return true;
}

static bool elem_extras_from_json(json_object *o, pp_hostdev *hd)
{
    json_object *v;
    const char *s;

    if (!onoff_from_json(o, "rom_bar", &hd->rom_bar) || !onoff_from_json(o, "trust", &hd->trust) ||
        !uint_from_json(o, "boot_order", 1, PP_BOOT_ORDER_MAX, &hd->boot_order) ||
        !uint_from_json(o, "vlan", PP_VLAN_MIN, PP_VLAN_MAX, &hd->vlan))
        return false;
    if (json_object_object_get_ex(o, "rom_file", &v) && json_object_is_type(v, json_type_string)) {
        s = json_object_get_string(v);
        if (s[0] != '/' || strlen(s) >= sizeof(hd->rom_file) || strpbrk(s, "\n\r\t"))
            return false;
        snprintf(hd->rom_file, sizeof(hd->rom_file), "%s", s);
    }
    if (json_object_object_get_ex(o, "driver_model", &v) &&
        json_object_is_type(v, json_type_string) &&
        !pp_hostdev_parse_driver_name(json_object_get_string(v), "driver_model", hd->driver_model))
        return false;
    hd->iommufd = json_object_object_get_ex(o, "iommufd", &v) && json_object_get_boolean(v);
    return true;
}

static bool elem_from_json(json_object *o, pp_hostdev *hd)
{
    json_object *v;
    const char *s;
    int64_t n;

    memset(hd, 0, sizeof(*hd));
    if (!json_object_is_type(o, json_type_object))
        return false;
    hd->kind = json_object_object_get_ex(o, "kind", &v) && json_object_is_type(v, json_type_string) &&
                       strcmp(json_object_get_string(v), "interface") == 0
                   ? PP_HD_INTERFACE
                   : PP_HD_HOSTDEV;
    if (!json_object_object_get_ex(o, "source", &v) || !json_object_is_type(v, json_type_string) ||
        !pp_pci_addr_parse(json_object_get_string(v), "source", &hd->source))
        return false;
    hd->managed = PP_MANAGED_UNSET;
    if (json_object_object_get_ex(o, "managed", &v) && json_object_is_type(v, json_type_string))
        hd->managed = strcmp(json_object_get_string(v), "no") == 0 ? PP_MANAGED_NO : PP_MANAGED_YES;
    if (json_object_object_get_ex(o, "guest_address", &v) &&
        json_object_is_type(v, json_type_string)) {
        if (!pp_pci_addr_parse(json_object_get_string(v), "guest_address", &hd->guest_addr))
            return false;
        hd->has_guest_addr = hd->guest_addr_full = true;
    }
    hd->multifunction = json_object_object_get_ex(o, "multifunction", &v) &&
                        json_object_get_boolean(v);
    if (json_object_object_get_ex(o, "zpci_uid", &v) && json_object_is_type(v, json_type_int)) {
        n = json_object_get_int64(v);
        if (n < PP_ZPCI_UID_MIN || n > PP_ZPCI_UID_MAX)
            return false;
        hd->has_uid = true;
        hd->uid = (uint32_t)n;
    }
    if (json_object_object_get_ex(o, "zpci_fid", &v) && json_object_is_type(v, json_type_int)) {
        n = json_object_get_int64(v);
        if (n < 0 || n > (int64_t)PP_ZPCI_FID_MAX)
            return false;
        hd->has_fid = true;
        hd->fid = (uint32_t)n;
    }
    hd->no_driver = !json_object_object_get_ex(o, "driver", &v) ||
                    !json_object_is_type(v, json_type_string);
    if (json_object_object_get_ex(o, "mac", &v) && json_object_is_type(v, json_type_string)) {
        s = json_object_get_string(v);
        if (!pp_hostdev_parse_mac(s, hd->mac))
            return false;
    }
    return elem_extras_from_json(o, hd);
}

/* A version 2 payload; false when it is no JSON object (damage the checksum did not see). */
static bool parse_json(const char *p, size_t n, pp_jrec *r)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, p, (int)n), *el;
    size_t i, k;

    json_tokener_free(tok);
    memset(r, 0, sizeof(*r));
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return false;
    }
#define GET(name) r->name = jstr(o, #name)
    GET(id);
    GET(time);
    GET(uri);
    GET(phase);
    GET(intent);
    GET(guest);
    GET(uuid);
    GET(action);
    GET(devices);
    GET(flags);
    GET(undoes);
    GET(xml);
    GET(commands);
#undef GET
    files_from_json(o, r);
    if (json_object_object_get_ex(o, "elements", &el) && json_object_is_type(el, json_type_array)) {
        k = json_object_array_length(el);
        r->elems = xcalloc(k ? k : 1, sizeof(*r->elems));
        for (i = 0; i < k; i++)
            if (elem_from_json(json_object_array_get_idx(el, i), &r->elems[r->nelems]))
                r->nelems++;
    }
    json_object_put(o);
    return true;
}

static char *unescape(const char *s, size_t n)
{
    char *o = xmalloc(n + 1), *q = o;
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            *q++ = s[i] == 'n' ? '\n' : s[i];
        } else {
            *q++ = s[i];
        }
    }
    *q = '\0';
    return o;
}

/* A version 1 payload: "key value" lines, an empty line, the XML. Its change is done. */
static void parse_v1(const char *p, size_t n, pp_jrec *r)
{
    const char *end = p + n, *nl, *sp;

    memset(r, 0, sizeof(*r));
    while (p < end && *p != '\n') {
        char **slot = NULL;
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        sp = memchr(p, ' ', (size_t)(nl - p));
        if (sp) {
            size_t k = (size_t)(sp - p);
#define KEY(name)                                                                                  \
    else if (k == strlen(#name) && memcmp(p, #name, k) == 0) slot = &r->name;
            if (0)
                ;
            KEY(id) KEY(time) KEY(uri) KEY(guest) KEY(uuid) KEY(action) KEY(devices) KEY(flags)
            KEY(undoes)
#undef KEY
            if (slot && !*slot)
                *slot = unescape(sp + 1, (size_t)(nl - sp - 1));
        }
        p = nl + 1;
    }
    if (p < end && *p == '\n')
        p++;
    n = p < end ? (size_t)(end - p) : 0;
    r->xml = xmalloc(n + 1);
    memcpy(r->xml, p, n);
    r->xml[n] = '\0';
    /* the fields undo rebuilds from, read out of the element text (never sent as it is) */
    pp_elements_parse(r->xml, &r->elems, &r->nelems);
}

/* Changes by the id of their intent: a small open-addressing table, so that grouping and undo
 * marks stay linear in the journal's size. */
typedef struct idx_table {
    size_t *slot; /* change index + 1; 0 empty */
    size_t cap;
} idx_table;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static void table_grow(idx_table *t, const pp_journal *j);

static long table_find(const idx_table *t, const pp_journal *j, const char *id)
{
    size_t i;
    if (!id || !t->cap)
        return -1;
    for (i = hash_str(id) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1)) {
        const pp_jrec *r = &j->v[j->changes[t->slot[i] - 1].intent];
        if (r->id && strcmp(r->id, id) == 0)
            return (long)(t->slot[i] - 1);
    }
    return -1;
}

static void table_put(idx_table *t, const pp_journal *j, size_t change)
{
    const char *id = j->v[j->changes[change].intent].id;
    size_t i;
    if (!id)
        return;
    if ((j->nchanges + 1) * 2 > t->cap)
        table_grow(t, j);
    for (i = hash_str(id) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
        ;
    t->slot[i] = change + 1;
}

static void table_grow(idx_table *t, const pp_journal *j)
{
    size_t *old = t->slot, oldcap = t->cap, i, k;

    t->cap = t->cap ? t->cap * 2 : 64;
    t->slot = xcalloc(t->cap, sizeof(*t->slot));
    for (i = 0; i < oldcap; i++) {
        if (!old[i])
            continue;
        const char *id = j->v[j->changes[old[i] - 1].intent].id;
        for (k = hash_str(id) & (t->cap - 1); t->slot[k]; k = (k + 1) & (t->cap - 1))
            ;
        t->slot[k] = old[i];
    }
    free(old);
}

static void add_record(pp_journal *j, size_t *cap)
{
    if (j->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        j->v = xreallocarray(j->v, *cap, sizeof(*j->v));
    }
}

/* Intents and outcomes into changes; undo marks; damage after each change. */
static void group(pp_journal *j, size_t damage_before)
{
    idx_table t = { NULL, 0 };
    size_t i;
    long c;

    j->changes = xcalloc(j->n ? j->n : 1, sizeof(*j->changes));
    for (i = 0; i < j->n; i++) {
        const pp_jrec *r = &j->v[i];
        if (r->intent && (c = table_find(&t, j, r->intent)) >= 0 && j->changes[c].outcome < 0) {
            j->changes[c].outcome = (long)i;
            continue;
        }
        /* an intent; or a change complete in one record (version 1, or an outcome whose
         * intent was lost to damage) */
        j->changes[j->nchanges].intent = i;
        j->changes[j->nchanges].outcome = r->phase && strcmp(r->phase, "intent") == 0 ? -1 : (long)i;
        table_put(&t, j, j->nchanges);
        j->nchanges++;
    }
    for (i = 0; i < j->nchanges; i++) {
        pp_jchange *ch = &j->changes[i];
        const pp_jrec *r = &j->v[ch->intent];
        size_t last = ch->outcome > (long)ch->intent ? (size_t)ch->outcome : ch->intent;
        ch->damaged_after = last < damage_before;
        if (r->action && strcmp(r->action, "undo") == 0 && r->undoes &&
            strcmp(pp_jchange_state(j, ch), "done") == 0 && (c = table_find(&t, j, r->undoes)) >= 0)
            j->changes[c].undone = true;
    }
    free(t.slot);
}

/* The length a header at H (with AVAIL bytes after it) gives, read from a copy of its line:
 * sscanf on the journal itself would measure everything after it (and the map has no NUL). */
static bool header_len(const char *h, size_t avail, unsigned long long *plen)
{
    char line[32];
    size_t k, m = strlen(MAGIC);

    if (avail <= m)
        return false;
    for (k = 0; k + 1 < sizeof(line) && m + k < avail && h[m + k] != '\n'; k++)
        line[k] = h[m + k];
    line[k] = '\0';
    return sscanf(line, "%llu", plen) == 1;
}

/* Whether the damaged bytes BUF[POS, END) are a write cut short rather than a record changed
 * after it was written: fewer bytes than a header says (or a header itself cut off), ending
 * anywhere but after a record's last newline. A flipped byte leaves the record's length, and
 * so its final newline, where they were. */
static bool cut_short(const char *buf, size_t pos, size_t end, bool framed)
{
    const char *hdr = buf + pos, *nl = memchr(hdr, '\n', end - pos);
    unsigned long long plen;
    size_t start;

    if (!framed) /* only a header cut off before its newline */
        return !nl && end - pos < strlen(MAGIC) + 32 &&
               strncmp(hdr, MAGIC, end - pos < strlen(MAGIC) ? end - pos : strlen(MAGIC)) == 0;
    if (!nl || !header_len(hdr, end - pos, &plen))
        return false;
    start = (size_t)(nl - buf) + 1;
    return end < start + plen + 1 && (end == start || buf[end - 1] != '\n');
}

/* Every frame of BUF[0, LEN) in order: FN(ARG, payload, length, v1, offset of the frame) for each
 * intact one (false: its payload is no record, counted as damage); *TORN and *CUT count the
 * damage of either kind, *DAMAGE_BEFORE is how many records FN took before the last damage. */
typedef bool (*frame_fn)(void *arg, const char *p, size_t n, bool v1, size_t off);

static void scan(const char *buf, size_t len, frame_fn fn, void *arg, size_t *torn, size_t *cut,
                 size_t *damage_before)
{
    size_t pos = 0, taken = 0;
    bool resync = false; /* POS was found by looking for a header past damage */

    *torn = *cut = *damage_before = 0;
    while (pos < len) {
        const char *hdr = buf + pos, *nl, *next;
        unsigned long long plen;
        unsigned crc;
        int used = 0;
        /* bounded compares: the map ends where the file does, with no NUL after it */
        bool whole = len - pos >= strlen(MAGIC),
             v1 = whole && memcmp(hdr, MAGIC1, strlen(MAGIC1)) == 0;
        char line[64];
        size_t k;
        bool framed = false;

        /* the header's numbers from a copy of its line: sscanf on the buffer itself would
         * measure all that follows, for every record (quadratic in the journal's size) */
        for (k = 0; k + 1 < sizeof(line) && pos + strlen(MAGIC) + k < len &&
                    hdr[strlen(MAGIC) + k] != '\n';
             k++)
            line[k] = hdr[strlen(MAGIC) + k];
        line[k] = '\0';
        if ((v1 || (whole && memcmp(hdr, MAGIC, strlen(MAGIC)) == 0)) &&
            sscanf(line, "%llu %8x%n", &plen, &crc, &used) == 2 && (size_t)used == k &&
            pos + strlen(MAGIC) + k < len && plen <= MAX_RECORD) {
            size_t start = pos + strlen(MAGIC) + (size_t)used + 1;
            framed = true;
            if (start + plen < len && buf[start + plen] == '\n' &&
                checksum(buf + start, (size_t)plen) == crc) {
                if (fn(arg, buf + start, (size_t)plen, v1, pos)) {
                    taken++;
                } else {
                    (*torn)++;
                    *damage_before = taken;
                }
                pos = start + (size_t)plen + 1;
                resync = false;
                continue;
            }
        }
        /* damage: skip to the next header, wherever it starts (a torn record has no newline).
         * Counted once per record: what that search finds inside the damaged record's own text
         * (a guest name or an XML holding "#pcipass-journal v") has no header line of its own,
         * so only a whole header line found there is another damaged record. */
        nl = buf + pos + 1;
        /* memmem, not strstr: a crash can leave NUL bytes before the next record */
        next = nl < buf + len
                   ? memmem(nl, (size_t)(buf + len - nl), MAGIC_PREFIX, strlen(MAGIC_PREFIX))
                   : NULL;
        if (framed || !resync) {
            if (cut_short(buf, pos, next ? (size_t)(next - buf) : len, framed)) {
                (*cut)++; /* what was never written whole was never acted on */
            } else {
                (*torn)++;
                *damage_before = taken;
            }
        }
        resync = true;
        if (!next)
            break;
        pos = (size_t)(next - buf);
    }
}

/* The journal mapped read-only (or empty): read once front to back, the pages behind the reader
 * given back as it goes, so a journal of any size costs little memory. */
typedef struct jmap {
    char *buf;
    size_t len;
} jmap;

static bool map_open(const char *path, jmap *m, bool *missing)
{
    struct stat st;
    int fd;

    m->buf = NULL;
    m->len = 0;
    *missing = false;
    if (!check_parents(path, false))
        return false;
    fd = open_checked(path, O_RDONLY);
    if (fd < 0) {
        *missing = errno == ENOENT;
        if (*missing)
            pp_error_clear();
        return false;
    }
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        m->buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m->buf == MAP_FAILED) {
            pp_error_set(_("journal: cannot read '%s': %s"), path, strerror(errno));
            m->buf = NULL;
            close(fd);
            return false;
        }
        m->len = (size_t)st.st_size;
    }
    close(fd);
    return true;
}

static void map_close(jmap *m)
{
    if (m->buf)
        munmap(m->buf, m->len);
    m->buf = NULL;
}

/* Pages of M before OFF are not needed again soon: out of the process's memory (the page cache
 * keeps them; a later look faults them back in). */
static void map_release(const jmap *m, size_t *done, size_t off)
{
    size_t page = 1u << 20;
    if (off - *done >= page) {
        size_t n = (off - *done) & ~(size_t)(4096 - 1);
        madvise(m->buf + *done, n, MADV_DONTNEED);
        *done += n;
    }
}

typedef struct read_ctx {
    pp_journal *out;
    size_t cap;
} read_ctx;

static bool read_frame(void *arg, const char *p, size_t n, bool v1, size_t off)
{
    read_ctx *x = arg;
    pp_journal *j = x->out;

    (void)off;
    add_record(j, &x->cap);
    if (v1) {
        parse_v1(p, n, &j->v[j->n++]);
        return true;
    }
    if (parse_json(p, n, &j->v[j->n])) {
        j->n++;
        return true;
    }
    pp_jrec_clear(&j->v[j->n]);
    return false;
}

bool pp_journal_read(const char *path, pp_journal *out)
{
    size_t damage_before = 0;
    bool missing;
    read_ctx x = { out, 0 };
    jmap m;

    memset(out, 0, sizeof(*out));
    if (!map_open(path, &m, &missing))
        return missing;
    scan(m.buf, m.len, read_frame, &x, &out->torn, &out->cut, &damage_before);
    map_close(&m);
    group(out, damage_before);
    return true;
}


/* ---- streaming: history of a journal of any size ---- */

/* One change as the first pass sees it: no text kept, only what the second pass needs. */
typedef struct lite {
    uint64_t id, undoes;   /* hashes of the intent's id and of the change it undoes */
    size_t intent_off;     /* where its first record starts */
    size_t out_off;        /* its outcome's frame, (size_t)-1 for none */
    size_t last;           /* the record number of its last record */
    unsigned char state;   /* 0 unknown, 1 done, 2 requested, 3 failed */
    bool is_undo, undone, has_action;
} lite;

typedef struct lite_set {
    lite *v;
    size_t n, cap;
    size_t *slot, nslot; /* by id hash: index + 1 */
    size_t records;
} lite_set;

static uint64_t hash64(const char *s)
{
    return s ? (uint64_t)hash_str(s) | 1 : 0;
}

static long lite_find(const lite_set *L, uint64_t id)
{
    if (!id || !L->nslot)
        return -1;
    for (size_t i = id & (L->nslot - 1); L->slot[i]; i = (i + 1) & (L->nslot - 1))
        if (L->v[L->slot[i] - 1].id == id)
            return (long)(L->slot[i] - 1);
    return -1;
}

static void lite_index(lite_set *L, size_t k)
{
    uint64_t id = L->v[k].id;
    size_t i;
    if (!id)
        return;
    for (i = id & (L->nslot - 1); L->slot[i]; i = (i + 1) & (L->nslot - 1))
        ;
    L->slot[i] = k + 1;
}

static void lite_add(lite_set *L, const lite *c)
{
    if (L->n == L->cap)
        L->v = xreallocarray(L->v, L->cap = L->cap ? L->cap * 2 : 256, sizeof(*L->v));
    L->v[L->n++] = *c;
    if (L->n * 2 > L->nslot) {
        free(L->slot);
        L->nslot = L->nslot ? L->nslot * 2 : 512;
        L->slot = xcalloc(L->nslot, sizeof(*L->slot));
        for (size_t k = 0; k < L->n; k++)
            lite_index(L, k);
    } else {
        lite_index(L, L->n - 1);
    }
}

static unsigned char phase_code(const char *phase)
{
    if (!phase || strcmp(phase, "done") == 0)
        return 1; /* version 1 wrote a record only for a change that was made */
    return strcmp(phase, "requested") == 0 ? 2 : strcmp(phase, "failed") == 0 ? 3 : 0;
}

typedef struct each_ctx {
    lite_set L;
    const jmap *m;
    size_t released;
    size_t cursor; /* pass 2: the next change to show */
    int round;
    pp_journal_fn fn;
    void *arg;
} each_ctx;

static bool parse_frame(const char *p, size_t n, bool v1, pp_jrec *r)
{
    if (v1) {
        parse_v1(p, n, r);
        return true;
    }
    if (parse_json(p, n, r))
        return true;
    pp_jrec_clear(r);
    return false;
}

/* pass 1: intents, outcomes and undo marks, in the same way as group() */
static bool each_first(void *arg, const char *p, size_t n, bool v1, size_t off)
{
    each_ctx *x = arg;
    pp_jrec r;
    long c;

    map_release(x->m, &x->released, off);
    if (!parse_frame(p, n, v1, &r))
        return false;
    x->L.records++;
    c = r.intent ? lite_find(&x->L, hash64(r.intent)) : -1;
    if (c >= 0 && x->L.v[c].out_off == (size_t)-1) {
        x->L.v[c].out_off = off;
        x->L.v[c].state = phase_code(r.phase);
        x->L.v[c].last = x->L.records - 1;
    } else {
        lite l = { hash64(r.id), hash64(r.undoes), off, (size_t)-1, x->L.records - 1, 0,
                   r.action && strcmp(r.action, "undo") == 0, false, r.action != NULL };
        if (!(r.phase && strcmp(r.phase, "intent") == 0)) {
            l.out_off = off;
            l.state = phase_code(r.phase);
        }
        lite_add(&x->L, &l);
    }
    pp_jrec_clear(&r);
    return true;
}

static const char *const state_names[] = { "unknown", "done", "requested", "failed" };

/* pass 2: each change at its first record, with its outcome read where it lies */
static bool each_second(void *arg, const char *p, size_t n, bool v1, size_t off)
{
    each_ctx *x = arg;
    const lite *l;
    pp_jrec r, o;
    pp_jview v;

    map_release(x->m, &x->released, off);
    if (x->cursor >= x->L.n || x->L.v[x->cursor].intent_off != off)
        return true;
    l = &x->L.v[x->cursor++];
    if (!parse_frame(p, n, v1, &r))
        return true;
    memset(&o, 0, sizeof(o));
    v.intent = &r;
    v.outcome = &r;
    if (l->out_off != (size_t)-1 && l->out_off != off) {
        /* the outcome's frame, read again from the map (the first pass checked it) */
        const char *h = x->m->buf + l->out_off, *nl = memchr(h, '\n', x->m->len - l->out_off);
        unsigned long long plen;
        if (nl && header_len(h, x->m->len - l->out_off, &plen) &&
            parse_frame(nl + 1, (size_t)plen, memcmp(h, MAGIC1, strlen(MAGIC1)) == 0, &o))
            v.outcome = &o;
    }
    v.state = state_names[l->state];
    v.undone = l->undone;
    v.round = x->round;
    x->fn(x->arg, &v);
    pp_jrec_clear(&r);
    pp_jrec_clear(&o);
    return true;
}

bool pp_journal_each(const char *path, pp_journal_fn fn, void *arg, int rounds,
                     pp_journal_summary *sum)
{
    each_ctx x;
    size_t db, t2, c2, d2;
    bool missing;
    jmap m;

    memset(&x, 0, sizeof(x));
    memset(sum, 0, sizeof(*sum));
    if (!map_open(path, &m, &missing))
        return missing;
    x.m = &m;
    scan(m.buf, m.len, each_first, &x, &sum->torn, &sum->cut, &db);
    for (size_t i = 0; i < x.L.n; i++) {
        lite *l = &x.L.v[i];
        long c;
        if (l->is_undo && l->state == 1 && l->undoes && (c = lite_find(&x.L, l->undoes)) >= 0)
            x.L.v[c].undone = true;
    }
    sum->nchanges = x.L.n;
    x.fn = fn;
    x.arg = arg;
    for (x.round = 0; x.round < rounds; x.round++) {
        x.released = x.cursor = 0;
        scan(m.buf, m.len, each_second, &x, &t2, &c2, &d2);
    }
    map_close(&m);
    free(x.L.v);
    free(x.L.slot);
    return true;
}

/* The record whose frame starts at OFF of M, parsed again (the first pass checked it). */
static bool frame_at(const jmap *m, size_t off, pp_jrec *r)
{
    const char *h = m->buf + off, *nl = memchr(h, '\n', m->len - off);
    unsigned long long plen;

    memset(r, 0, sizeof(*r));
    return nl && header_len(h, m->len - off, &plen) &&
           parse_frame(nl + 1, (size_t)plen, memcmp(h, MAGIC1, strlen(MAGIC1)) == 0, r);
}

/* One change of L into OUT: its records parsed again, its marks as the first pass found them. */
static void take_change(pp_journal *out, const jmap *m, const lite *l, size_t damage_before)
{
    pp_jchange *c = &out->changes[out->nchanges++];

    c->intent = out->n;
    c->outcome = -1;
    if (frame_at(m, l->intent_off, &out->v[out->n]))
        out->n++;
    if (l->out_off != (size_t)-1 && l->out_off != l->intent_off &&
        frame_at(m, l->out_off, &out->v[out->n]))
        c->outcome = (long)out->n++;
    else if (l->out_off == l->intent_off)
        c->outcome = (long)c->intent;
    c->undone = l->undone;
    c->damaged_after = l->last < damage_before;
}

bool pp_journal_read_light(const char *path, pp_journal *out)
{
    each_ctx x;
    size_t db, k, target = (size_t)-1;
    bool missing;
    jmap m;

    memset(&x, 0, sizeof(x));
    memset(out, 0, sizeof(*out));
    if (!map_open(path, &m, &missing))
        return missing;
    x.m = &m;
    scan(m.buf, m.len, each_first, &x, &out->torn, &out->cut, &db);
    for (k = 0; k < x.L.n; k++) {
        lite *l = &x.L.v[k];
        long c;
        if (l->is_undo && l->state == 1 && l->undoes && (c = lite_find(&x.L, l->undoes)) >= 0)
            x.L.v[c].undone = true;
    }
    /* what undo looks at, by pp_journal_undo_target's rule: that change and the last one */
    for (k = x.L.n; k-- > 0;) {
        const lite *l = &x.L.v[k];
        if (!l->has_action || l->undone || l->state == 3 || (l->is_undo && l->state != 0))
            continue;
        target = k;
        break;
    }
    out->v = xcalloc(4, sizeof(*out->v));
    out->changes = xcalloc(2, sizeof(*out->changes));
    if (target != (size_t)-1)
        take_change(out, &m, &x.L.v[target], db);
    if (x.L.n && target != x.L.n - 1)
        take_change(out, &m, &x.L.v[x.L.n - 1], db);
    map_close(&m);
    free(x.L.v);
    free(x.L.slot);
    return true;
}

void pp_jrec_clear(pp_jrec *r)
{
    free(r->id);
    free(r->time);
    free(r->uri);
    free(r->phase);
    free(r->intent);
    free(r->guest);
    free(r->uuid);
    free(r->action);
    free(r->devices);
    free(r->flags);
    free(r->undoes);
    free(r->xml);
    free(r->elems);
    for (size_t i = 0; i < r->nfiles; i++) {
        free(r->files[i].path);
        free(r->files[i].before);
        free(r->files[i].after);
    }
    free(r->files);
    free(r->commands);
    memset(r, 0, sizeof(*r));
}

void pp_journal_clear(pp_journal *j)
{
    size_t i;
    for (i = 0; i < j->n; i++)
        pp_jrec_clear(&j->v[i]);
    free(j->v);
    free(j->changes);
    memset(j, 0, sizeof(*j));
}

const char *pp_jchange_state(const pp_journal *j, const pp_jchange *c)
{
    const pp_jrec *o;
    if (c->outcome < 0)
        return "unknown";
    o = &j->v[c->outcome];
    /* version 1 wrote a record only for a change that was made */
    if (!o->phase)
        return "done";
    if (strcmp(o->phase, "requested") == 0 || strcmp(o->phase, "failed") == 0)
        return o->phase;
    return strcmp(o->phase, "done") == 0 ? "done" : "unknown";
}

const pp_jchange *pp_journal_undo_target(const pp_journal *j)
{
    size_t i;

    for (i = j->nchanges; i-- > 0;) {
        const pp_jchange *c = &j->changes[i];
        const pp_jrec *r = &j->v[c->intent];
        const char *st = pp_jchange_state(j, c);

        if (!r->action || c->undone || strcmp(st, "failed") == 0)
            continue;
        /* a finished undo is not itself undone; one that did not finish must be resolved */
        if (strcmp(r->action, "undo") == 0 && strcmp(st, "unknown") != 0)
            continue;
        return c;
    }
    return NULL;
}

bool pp_jrec_is_setup(const pp_jrec *r)
{
    return r->action && (strcmp(r->action, "setup") == 0 ||
                         (strcmp(r->action, "undo") == 0 && pp_jrec_has_flag(r, "setup")));
}

bool pp_jrec_has_flag(const pp_jrec *r, const char *flag)
{
    const char *p = r->flags;
    size_t n = strlen(flag);

    while (p && *p) {
        if (strncmp(p, flag, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return false;
}
