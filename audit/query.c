/* Record filters and output for `runwarden audit show`. Reads whole lines, never trusts
 * them to be well formed (verify is the tool for that): a malformed line is counted and
 * skipped. */
#include "query.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "log_line.h"

void rw_audit_query_prepare(rw_audit_query_t *q)
{
    q->user_uid = -1;
    if (!q->user)
        return;
    char *end = NULL;
    errno = 0;
    long v = strtol(q->user, &end, 10);
    if (!errno && end != q->user && !*end && v >= 0) {
        q->user_uid = v;
        return;
    }
    char buf[4096];
    struct passwd pw, *res = NULL;
    if (getpwnam_r(q->user, &pw, buf, sizeof(buf), &res) == 0 && res)
        q->user_uid = (long)res->pw_uid;
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool prefix(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

bool rw_audit_query_match(const rw_audit_query_t *q, json_t *rec)
{
    if (!json_is_object(rec))
        return false;
    if (q->event) {
        const char *e = str_at(rec, "event", NULL);
        if (!e || strcmp(e, q->event) != 0)
            return false;
    }
    const char *t = str_at(rec, "time", NULL);
    if (q->has_since && (!t || strcmp(t, q->since) < 0))
        return false;
    if (q->has_until && (!t || strcmp(t, q->until) > 0))
        return false;
    if (q->container) {
        const char *id = str_at(rec, "container", "id");
        const char *name = str_at(rec, "container", "name");
        if (!prefix(id, q->container) && !(name && strcmp(name, q->container) == 0))
            return false;
    }
    if (q->user) {
        json_t *who = json_object_get(rec, "who");
        json_t *auid = json_object_get(who, "loginuid");
        const char *lu = str_at(who, "login_user", NULL);
        bool ok = (json_is_integer(auid) && q->user_uid >= 0 &&
                   json_integer_value(auid) == q->user_uid) ||
                  (lu && strcmp(lu, q->user) == 0);
        if (!ok)
            return false;
    }
    if (q->image) {
        const char *n = str_at(rec, "image", "name");
        const char *id = str_at(rec, "image", "id");
        const char *dg = str_at(rec, "image", "digest");
        if (!(n && strstr(n, q->image)) && !prefix(id, q->image) && !prefix(dg, q->image))
            return false;
    }
    return true;
}

static void cell(char *out, size_t size, const char *s, size_t width)
{
    if (!s || !*s)
        s = "-";
    size_t l = strlen(s);
    if (l > width)
        snprintf(out, size, "%.*s~", (int)(width - 1), s);
    else
        snprintf(out, size, "%s", s);
    /* table cells stay on one line whatever the record holds */
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = '?';
}

static void print_header(FILE *out)
{
    fprintf(out, "%-19s %-9s %-8s %-12s %-20s %-10s %-16s %-5s %s\n", "TIME (UTC)", "EVENT",
            "DECISION", "CONTAINER", "NAME", "ENGINE", "LOGIN", "UID", "IMAGE");
}

static void print_row(FILE *out, json_t *rec)
{
    char time[20], ev[10], dec[9], id[13], name[21], eng[11], login[17], uid[6], img[61];
    const char *t = str_at(rec, "time", NULL);
    char tb[20] = "-";
    if (t && strlen(t) >= 19) {
        memcpy(tb, t, 19);
        tb[10] = ' ';
        tb[19] = '\0';
    }
    cell(time, sizeof(time), tb, 19);
    cell(ev, sizeof(ev), str_at(rec, "event", NULL), 9);
    cell(dec, sizeof(dec), str_at(rec, "decision", NULL), 8);
    const char *cid = str_at(rec, "container", "id");
    char idb[13] = "";
    if (cid)
        snprintf(idb, sizeof(idb), "%.12s", cid);
    cell(id, sizeof(id), cid ? idb : NULL, 12);
    cell(name, sizeof(name), str_at(rec, "container", "name"), 20);
    cell(eng, sizeof(eng), str_at(rec, "engine", "name"), 10);
    json_t *who = json_object_get(rec, "who");
    json_t *auid = json_object_get(who, "loginuid");
    const char *lu = str_at(who, "login_user", NULL);
    char lb[64];
    if (json_is_integer(auid))
        snprintf(lb, sizeof(lb), "%s(%lld)", lu ? lu : "?", (long long)json_integer_value(auid));
    else
        snprintf(lb, sizeof(lb), "%s", json_is_string(auid) ? json_string_value(auid) : "-");
    cell(login, sizeof(login), lb, 16);
    json_t *u = json_object_get(who, "uid");
    char ub[24] = "-";
    if (json_is_integer(u))
        snprintf(ub, sizeof(ub), "%lld", (long long)json_integer_value(u));
    cell(uid, sizeof(uid), ub, 5);
    cell(img, sizeof(img), str_at(rec, "image", "name"), 60);
    fprintf(out, "%-19s %-9s %-8s %-12s %-20s %-10s %-16s %-5s %s\n", time, ev, dec, id, name, eng,
            login, uid, img);
}

long rw_audit_query_run(const rw_audit_query_t *q, char *const *files, FILE *out,
                        unsigned long *ret_skipped, rw_error_t **err)
{
    long matched = 0;
    unsigned long skipped = 0;
    if (!q->json)
        print_header(out);
    for (char *const *f = files; f && *f; f++) {
        int fd = open(*f, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            return rw_error_setsys(err, errno, "cannot open %s", *f);
        cleanup_fclose FILE *in = fdopen(fd, "r");
        if (!in) {
            close(fd);
            return -ENOMEM;
        }
        cleanup_free char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, in)) > 0) {
            if (line[n - 1] != '\n') {
                skipped++; /* torn tail */
                continue;
            }
            json_error_t je;
            cleanup_json json_t *rec = json_loadb(line, (size_t)n - 1, 0, &je);
            if (!json_is_object(rec)) {
                skipped++;
                continue;
            }
            if (!rw_audit_query_match(q, rec))
                continue;
            matched++;
            if (q->json)
                fprintf(out, "%.*s\n", (int)(n - 1), line);
            else
                print_row(out, rec);
        }
    }
    if (ret_skipped)
        *ret_skipped = skipped;
    return matched;
}
