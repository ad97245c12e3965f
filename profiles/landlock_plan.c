/* What the Landlock launcher will be told, and what it cannot do on this kernel. The report
 * is the promise made to the audit record: rights the ABI cannot handle and effects of the
 * "grant everything else" construction are listed, never silently dropped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "landlock.h"
#include "landlock_abi.h"

static const struct {
    uint64_t bit;
    const char *name;
} rights[] = {
    {RW_LL_FS_EXECUTE, "execute"},       {RW_LL_FS_WRITE_FILE, "write_file"},
    {RW_LL_FS_READ_FILE, "read_file"},   {RW_LL_FS_READ_DIR, "read_dir"},
    {RW_LL_FS_REMOVE_DIR, "remove_dir"}, {RW_LL_FS_REMOVE_FILE, "remove_file"},
    {RW_LL_FS_MAKE_CHAR, "make_char"},   {RW_LL_FS_MAKE_DIR, "make_dir"},
    {RW_LL_FS_MAKE_REG, "make_reg"},     {RW_LL_FS_MAKE_SOCK, "make_sock"},
    {RW_LL_FS_MAKE_FIFO, "make_fifo"},   {RW_LL_FS_MAKE_BLOCK, "make_block"},
    {RW_LL_FS_MAKE_SYM, "make_sym"},     {RW_LL_FS_REFER, "refer"},
    {RW_LL_FS_TRUNCATE, "truncate"},     {RW_LL_FS_IOCTL_DEV, "ioctl_dev"},
};

int rw_landlock_host_abi(void)
{
    return rw_ll_abi_version();
}

static int strv_push(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 2) * sizeof(char *));
    if (!nv)
        return -ENOMEM;
    *v = nv;
    if (!(nv[*n] = strdup(s)))
        return -ENOMEM;
    nv[++*n] = NULL;
    return 0;
}

static bool strictly_below(const char *child, const char *parent)
{
    if (strcmp(parent, "/") == 0)
        return strcmp(child, "/") != 0;
    size_t n = strlen(parent);
    return strncmp(child, parent, n) == 0 && child[n] == '/';
}

static uint64_t access_of(const rw_lsm_tenant_t *t, const char *path, uint64_t full, bool *is_rule)
{
    *is_rule = true;
    for (char **p = t->deny; *p; p++)
        if (strcmp(*p, path) == 0)
            return 0;
    for (char **p = t->read_only; *p; p++)
        if (strcmp(*p, path) == 0)
            return RW_LL_FS_READ_ONLY & full;
    for (char **p = t->read_write; *p; p++)
        if (strcmp(*p, path) == 0)
            return full;
    *is_rule = false;
    return full;
}

/* The access a path inherits: from the closest rule at or above it. */
static uint64_t inherited(const rw_lsm_tenant_t *t, const char *path, uint64_t full)
{
    cleanup_free char *p = strdup(path);
    if (!p)
        return 0;
    for (;;) {
        bool is_rule = false;
        uint64_t a = access_of(t, p, full, &is_rule);
        if (is_rule || strcmp(p, "/") == 0)
            return a;
        char *s = strrchr(p, '/');
        if (s == p)
            s[1] = '\0';
        else
            *s = '\0';
    }
}

static const char *access_name(uint64_t a, uint64_t full)
{
    if (a == 0)
        return "none";
    if (a == full)
        return "read-write";
    if (a == (RW_LL_FS_READ_ONLY & full))
        return "read-only";
    return "partial";
}

/* Directories above a rule keep only what every rule beneath allows: say which. */
static int report_ancestors(const rw_lsm_tenant_t *t, uint64_t full, json_t *notes)
{
    json_t *seen = json_object();
    if (!seen)
        return -ENOMEM;
    char **lists[] = {t->deny, t->read_only, t->read_write};
    int r = 0;
    for (size_t l = 0; l < 3 && r >= 0; l++)
        for (char **p = lists[l]; *p && r >= 0; p++) {
            cleanup_free char *a = strdup(*p);
            if (!a) {
                r = -ENOMEM;
                break;
            }
            while (strcmp(a, "/") != 0 && r >= 0) {
                char *s = strrchr(a, '/');
                if (s == a)
                    s[1] = '\0';
                else
                    *s = '\0';
                if (json_object_get(seen, a))
                    continue;
                uint64_t own = inherited(t, a, full);
                char **all[] = {t->deny, t->read_only, t->read_write};
                for (size_t m = 0; m < 3; m++)
                    for (char **q = all[m]; *q; q++)
                        if (strictly_below(*q, a)) {
                            bool is_rule = false;
                            own &= access_of(t, *q, full, &is_rule);
                        }
                if (own != inherited(t, a, full))
                    r = json_object_set_new(seen, a, json_string(access_name(own, full)));
            }
        }
    if (r >= 0 && json_object_size(seen)) {
        char *s = NULL;
        cleanup_free char *list = NULL;
        size_t ll = 0;
        FILE *f = open_memstream(&list, &ll);
        if (!f)
            r = -ENOMEM;
        else {
            const char *k;
            json_t *v;
            bool first = true;
            json_object_foreach(seen, k, v)
            {
                fprintf(f, "%s%s (%s)", first ? "" : ", ", k, json_string_value(v));
                first = false;
            }
            if (fclose(f) != 0)
                r = -ENOMEM;
        }
        if (r >= 0 &&
            asprintf(&s,
                     "directories above a rule keep only the rights every rule beneath them "
                     "allows, so entries cannot be created directly in them (and denied-rule "
                     "parents cannot be listed): %s",
                     list) >= 0) {
            r = json_array_append_new(notes, json_string(s)) < 0 ? -ENOMEM : 0;
            free(s);
        } else if (r >= 0)
            r = -ENOMEM;
    }
    json_decref(seen);
    return r;
}

static int note(json_t *notes, const char *s)
{
    return json_array_append_new(notes, json_string(s)) < 0 ? -ENOMEM : 0;
}

int rw_landlock_plan(const rw_lsm_config_t *c, const rw_lsm_tenant_t *t, int abi,
                     rw_landlock_plan_t *out)
{
    memset(out, 0, sizeof(*out));
    out->needed = t->deny[0] || t->read_only[0] || t->read_write[0];
    if (abi <= 0) {
        out->abi_errno = abi < 0 ? -abi : EOPNOTSUPP;
        abi = 0;
    }
    out->abi = abi;
    json_t *rep = json_object(), *handled = json_array(), *rules = json_array(),
           *notes = json_array();
    if (!rep || !handled || !rules || !notes) {
        json_decref(rep);
        json_decref(handled);
        json_decref(rules);
        json_decref(notes);
        return -ENOMEM;
    }
    out->report = rep;
    json_object_set_new(rep, "abi", json_integer(abi));
    json_object_set_new(rep, "handled", handled);
    json_object_set_new(rep, "rules", rules);
    json_object_set_new(rep, "notEnforced", notes);

    uint64_t full = rw_ll_fs_handled(abi);
    for (size_t i = 0; i < RW_ARRAY_SIZE(rights); i++)
        if (full & rights[i].bit)
            json_array_append_new(handled, json_string(rights[i].name));
    const struct {
        char **v;
        const char *opt, *name;
    } lists[] = {{t->deny, "--deny", "none"},
                 {t->read_only, "--ro", "read-only"},
                 {t->read_write, "--rw", "read-write"}};
    for (size_t l = 0; l < RW_ARRAY_SIZE(lists); l++)
        for (char **p = lists[l].v; *p; p++)
            json_array_append_new(rules,
                                  json_pack("{s:s,s:s}", "path", *p, "access", lists[l].name));

    int r = 0;
    if (!out->needed)
        return 0;
    if (abi == 0)
        return note(notes, "every file rule: the kernel has no Landlock");

    size_t n = 0;
    char abuf[16];
    snprintf(abuf, sizeof(abuf), "%d", abi);
    if ((r = strv_push(&out->argv, &n, c->landlock.destination)) < 0 ||
        (r = strv_push(&out->argv, &n, "--abi")) < 0 || (r = strv_push(&out->argv, &n, abuf)) < 0)
        return r;
    for (size_t l = 0; l < RW_ARRAY_SIZE(lists); l++)
        for (char **p = lists[l].v; *p; p++)
            if ((r = strv_push(&out->argv, &n, lists[l].opt)) < 0 ||
                (r = strv_push(&out->argv, &n, *p)) < 0)
                return r;
    if ((r = strv_push(&out->argv, &n, "--")) < 0)
        return r;

    if (abi < 2 && (r = note(notes, "ABI < 2: renaming or linking a file into another "
                                    "directory is always refused (stricter than the rules)")) < 0)
        return r;
    if (abi < 3 && (r = note(notes, "ABI < 3: truncate() of read-only files")) < 0)
        return r;
    if (abi < 5 && (r = note(notes, "ABI < 5: ioctl() on devices under the rules")) < 0)
        return r;
    if ((r = note(notes, "chmod, chown, extended attributes and timestamps of read-only or "
                         "denied paths (Landlock does not mediate them), and stat() of denied "
                         "paths")) < 0)
        return r;
    if ((r = report_ancestors(t, full, notes)) < 0)
        return r;
    if (t->network && (r = note(notes, "network families (only AppArmor enforces them)")) < 0)
        return r;
    return 0;
}

void rw_landlock_plan_clear(rw_landlock_plan_t *p)
{
    rw_strv_freep(&p->argv);
    if (p->report)
        json_decref(p->report);
    memset(p, 0, sizeof(*p));
}

json_t *rw_landlock_wrap_args(const json_t *args, char *const *prefix, const char *destination)
{
    if (!json_is_array(args) || json_array_size(args) == 0)
        return NULL;
    size_t start = 0;
    const char *first = json_string_value(json_array_get(args, 0));
    if (!first)
        return NULL;
    if (strcmp(first, destination) == 0) {
        /* already wrapped (a restore, a re-run): drop the old prefix up to its "--" */
        size_t i = 1;
        for (; i < json_array_size(args); i++) {
            const char *s = json_string_value(json_array_get(args, i));
            if (s && strcmp(s, "--") == 0)
                break;
        }
        if (i + 1 >= json_array_size(args))
            return NULL;
        start = i + 1;
    }
    json_t *out = json_array();
    for (char *const *p = prefix; out && *p; p++)
        if (json_array_append_new(out, json_string(*p)) < 0) {
            json_decref(out);
            return NULL;
        }
    for (size_t i = start; out && i < json_array_size(args); i++) {
        json_t *v = json_array_get(args, i);
        if (!json_is_string(v) || json_array_append(out, v) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *rw_landlock_mount(const rw_lsm_config_t *c)
{
    return json_pack("{s:s,s:s,s:s,s:[ssss]}", "destination", c->landlock.destination, "type",
                     "bind", "source", c->landlock.launcher, "options", "bind", "ro", "nosuid",
                     "nodev");
}
