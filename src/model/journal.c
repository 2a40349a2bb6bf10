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

#include "pcipass/common.h"
#include "pcipass/journal.h"

#define MAGIC "#pcipass-journal v1 "
/* a record larger than this is damage, not a record */
#define MAX_RECORD (16u << 20)

static uint32_t crc32(const char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    size_t i;
    int k;

    for (i = 0; i < n; i++) {
        c ^= (unsigned char)p[i];
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
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
    return xasprintf("%s/.local/state/pcipass/journal", home && *home ? home : ".");
}

/* mkdir -p of PATH's directory */
static bool make_parents(const char *path)
{
    char *dir = xstrdup(path), *p;
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
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            pp_error_set(_("journal: cannot create directory '%s': %s"), dir, strerror(errno));
            ok = false;
        }
        *p = c;
        if (!c)
            break;
    }
    free(dir);
    return ok;
}

int pp_journal_open(const char *path)
{
    int fd;

    if (!make_parents(path))
        return -1;
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        pp_error_set(_("journal: cannot open '%s' for appending: %s (--journal FILE chooses "
                       "another)"),
                     path, strerror(errno));
    return fd;
}

static void put_field(char **buf, size_t *len, const char *key, const char *val)
{
    size_t need;
    const char *p;
    char *o;

    if (!val)
        return;
    need = strlen(key) + 2 * strlen(val) + 3;
    *buf = xrealloc(*buf, *len + need + 1);
    o = *buf + *len;
    o += sprintf(o, "%s ", key);
    for (p = val; *p; p++) {
        if (*p == '\\' || *p == '\n') {
            *o++ = '\\';
            *o++ = *p == '\n' ? 'n' : '\\';
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\n';
    *o = '\0';
    *len = (size_t)(o - *buf);
}

bool pp_journal_append(int fd, const char *path, pp_jrec *r)
{
    char *payload = NULL, *rec;
    size_t plen = 0, rlen, off = 0;
    struct timespec ts;
    struct tm tm;
    char tbuf[32];
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
    put_field(&payload, &plen, "id", r->id);
    put_field(&payload, &plen, "time", r->time);
    put_field(&payload, &plen, "uri", r->uri);
    put_field(&payload, &plen, "guest", r->guest);
    put_field(&payload, &plen, "uuid", r->uuid);
    put_field(&payload, &plen, "action", r->action);
    put_field(&payload, &plen, "devices", r->devices);
    put_field(&payload, &plen, "flags", r->flags);
    put_field(&payload, &plen, "undoes", r->undoes);
    rec = xasprintf("%s\n%s", payload ? payload : "", r->xml ? r->xml : "");
    free(payload);
    plen = strlen(rec);
    payload = rec;
    rec = xasprintf(MAGIC "%zu %08x\n%s\n", plen, crc32(payload, plen), payload);
    free(payload);
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

static void parse_payload(const char *p, size_t n, pp_jrec *r)
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
}

static char *slurp(const char *path, size_t *len, bool *missing)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = NULL;
    size_t cap = 0, n = 0;
    ssize_t r;

    *missing = false;
    if (fd < 0) {
        *missing = errno == ENOENT;
        if (!*missing)
            pp_error_set(_("journal: cannot read '%s': %s"), path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (cap - n < 65536)
            buf = xrealloc(buf, cap = cap ? cap * 2 : 131072);
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

bool pp_journal_read(const char *path, pp_journal *out)
{
    size_t len = 0, pos = 0;
    bool missing;
    char *buf = slurp(path, &len, &missing);

    memset(out, 0, sizeof(*out));
    if (!buf)
        return missing;
    while (pos < len) {
        const char *hdr = buf + pos, *nl, *next;
        unsigned long long plen;
        unsigned crc;
        int used = 0;

        if (strncmp(hdr, MAGIC, strlen(MAGIC)) == 0 &&
            sscanf(hdr + strlen(MAGIC), "%llu %8x%n", &plen, &crc, &used) == 2 &&
            hdr[strlen(MAGIC) + (size_t)used] == '\n' && plen <= MAX_RECORD) {
            size_t start = pos + strlen(MAGIC) + (size_t)used + 1;
            if (start + plen < len && buf[start + plen] == '\n' &&
                crc32(buf + start, (size_t)plen) == crc) {
                out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
                parse_payload(buf + start, (size_t)plen, &out->v[out->n++]);
                pos = start + (size_t)plen + 1;
                continue;
            }
        }
        /* damage: skip to the next header, wherever it starts (a torn record has no newline) */
        out->torn++;
        nl = buf + pos + 1;
        /* memmem, not strstr: a crash can leave NUL bytes before the next record */
        next = nl < buf + len ? memmem(nl, (size_t)(buf + len - nl), MAGIC, strlen(MAGIC)) : NULL;
        if (!next)
            break;
        pos = (size_t)(next - buf);
    }
    free(buf);
    return true;
}

void pp_jrec_clear(pp_jrec *r)
{
    free(r->id);
    free(r->time);
    free(r->uri);
    free(r->guest);
    free(r->uuid);
    free(r->action);
    free(r->devices);
    free(r->flags);
    free(r->undoes);
    free(r->xml);
    memset(r, 0, sizeof(*r));
}

void pp_journal_clear(pp_journal *j)
{
    size_t i;
    for (i = 0; i < j->n; i++)
        pp_jrec_clear(&j->v[i]);
    free(j->v);
    memset(j, 0, sizeof(*j));
}

const pp_jrec *pp_journal_undo_target(const pp_journal *j)
{
    size_t i, k;

    for (i = j->n; i-- > 0;) {
        const pp_jrec *r = &j->v[i];
        bool undone = false;
        if (!r->action || strcmp(r->action, "undo") == 0 || !r->id)
            continue;
        for (k = i + 1; k < j->n && !undone; k++)
            undone = j->v[k].undoes && strcmp(j->v[k].undoes, r->id) == 0;
        if (!undone)
            return r;
    }
    return NULL;
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
