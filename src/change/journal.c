/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The undo journal (format in journal.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    /* one write(): O_APPEND makes it land whole after any other writer's record */
    while (off < rlen) {
        w = write(fd, rec + off, rlen - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            pp_error_set(_("journal: cannot write to '%s': %s"), path,
                         w < 0 ? strerror(errno) : _("short write"));
            ok = false;
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
    return true;
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

/* The whole file, read through the same checks as for writing. */
static char *slurp(const char *path, size_t *len, bool *missing)
{
    int fd;
    char *buf, *what;

    *missing = false;
    if (!check_parents(path, false))
        return NULL;
    fd = open_checked(path, O_RDONLY);
    if (fd < 0) {
        *missing = errno == ENOENT;
        if (*missing)
            pp_error_clear();
        return NULL;
    }
    what = xasprintf(_("journal '%s'"), path);
    buf = pp_read_fd(fd, what, len);
    free(what);
    close(fd);
    return buf;
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

bool pp_journal_read(const char *path, pp_journal *out)
{
    size_t len = 0, pos = 0, cap = 0, damage_before = 0;
    bool missing, resync = false; /* POS was found by looking for a header past damage */
    char *buf;

    memset(out, 0, sizeof(*out));
    buf = slurp(path, &len, &missing);
    if (!buf)
        return missing;
    while (pos < len) {
        const char *hdr = buf + pos, *nl, *next;
        unsigned long long plen;
        unsigned crc;
        int used = 0;
        bool v1 = strncmp(hdr, MAGIC1, strlen(MAGIC1)) == 0;
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
        if ((v1 || strncmp(hdr, MAGIC, strlen(MAGIC)) == 0) &&
            sscanf(line, "%llu %8x%n", &plen, &crc, &used) == 2 && (size_t)used == k &&
            pos + strlen(MAGIC) + k < len && plen <= MAX_RECORD) {
            size_t start = pos + strlen(MAGIC) + (size_t)used + 1;
            framed = true;
            if (start + plen < len && buf[start + plen] == '\n' &&
                checksum(buf + start, (size_t)plen) == crc) {
                add_record(out, &cap);
                if (v1) {
                    parse_v1(buf + start, (size_t)plen, &out->v[out->n++]);
                } else if (parse_json(buf + start, (size_t)plen, &out->v[out->n])) {
                    out->n++;
                } else {
                    pp_jrec_clear(&out->v[out->n]);
                    out->torn++;
                    damage_before = out->n;
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
        if (framed || !resync) {
            out->torn++;
            damage_before = out->n;
        }
        resync = true;
        nl = buf + pos + 1;
        /* memmem, not strstr: a crash can leave NUL bytes before the next record */
        next = nl < buf + len
                   ? memmem(nl, (size_t)(buf + len - nl), MAGIC_PREFIX, strlen(MAGIC_PREFIX))
                   : NULL;
        if (!next)
            break;
        pos = (size_t)(next - buf);
    }
    free(buf);
    group(out, damage_before);
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
