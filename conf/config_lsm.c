/* Strict parser for the `lsm` section of runwarden.json. Unknown keys, relative paths and
 * file rules that AppArmor would read as globs are errors naming the key, so a typo can
 * never quietly leave a tenant unconfined. */
#include "config_lsm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"

/* AppArmor's network family names (apparmor.d(5), "network domain"). */
static const char *const families[] = {
    "unix",    "inet",   "ax25",       "ipx",     "appletalk", "netrom",    "bridge",  "atmpvc",
    "x25",     "inet6",  "rose",       "netbeui", "security",  "key",       "netlink", "packet",
    "ash",     "econet", "atmsvc",     "rds",     "sna",       "irda",      "pppox",   "wanpipe",
    "llc",     "ib",     "mpls",       "can",     "tipc",      "bluetooth", "iucv",    "rxrpc",
    "isdn",    "phonet", "ieee802154", "caif",    "alg",       "nfc",       "vsock",   "kcm",
    "qipcrtr", "smc",    "xdp",        "mctp",    NULL,
};

bool rw_lsm_network_family_valid(const char *name)
{
    for (const char *const *f = families; *f; f++)
        if (strcmp(*f, name) == 0)
            return true;
    return false;
}

static bool path_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '.' || c == '_' || c == '-' || c == '+' || c == ':' || c == '~' || c == '%';
}

int rw_lsm_path_normalize(const char *in, char **ret)
{
    size_t n = strlen(in);
    if (n == 0 || in[0] != '/' || n > RW_LSM_MAX_PATH)
        return -EINVAL;
    cleanup_free char *out = malloc(n + 1);
    if (!out)
        return -ENOMEM;
    size_t o = 0;
    const char *p = in;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != '/') {
            if (!path_char_ok(*e))
                return -EINVAL;
            e++;
        }
        size_t len = (size_t)(e - p);
        if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return -EINVAL;
        out[o++] = '/';
        memcpy(out + o, p, len);
        o += len;
        p = e;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    *ret = TAKE_PTR(out);
    return 0;
}

static int get_abs_path(json_t *obj, const char *key, char **slot, const char *file,
                        const char *path, rw_error_t **err)
{
    const char *s = NULL;
    int r = rw_json_get_string(obj, key, false, &s, file, path, err);
    if (r <= 0)
        return r;
    if (s[0] != '/')
        return rw_error_set(err, EINVAL, "%s: %s.%s: '%s' must be an absolute path", file, path,
                            key, s);
    char *d = strdup(s);
    if (!d)
        return -ENOMEM;
    free(*slot);
    *slot = d;
    return 1;
}

static int dup_default(char **slot, const char *value)
{
    if (*slot)
        return 0;
    *slot = strdup(value);
    return *slot ? 0 : -ENOMEM;
}

static int parse_required(json_t *v, unsigned *out, const char *file, const char *path,
                          rw_error_t **err)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v) ? RW_LSM_REQ_ANY : 0;
        return 0;
    }
    if (!json_is_array(v))
        return rw_error_set(err, EINVAL,
                            "%s: %s.required: must be true, false or a list of apparmor, "
                            "selinux, landlock",
                            file, path);
    unsigned m = 0;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        const char *s = json_is_string(e) ? json_string_value(e) : "";
        if (strcmp(s, "apparmor") == 0)
            m |= RW_LSM_REQ_APPARMOR;
        else if (strcmp(s, "selinux") == 0)
            m |= RW_LSM_REQ_SELINUX;
        else if (strcmp(s, "landlock") == 0)
            m |= RW_LSM_REQ_LANDLOCK;
        else
            return rw_error_set(err, EINVAL,
                                "%s: %s.required[%zu]: must be apparmor, selinux or landlock", file,
                                path, i);
    }
    *out = m;
    return 0;
}

static int get_tristate(json_t *obj, const char *key, int *out, const char *file, const char *path,
                        rw_error_t **err)
{
    bool b = false;
    int r = rw_json_get_bool(obj, key, &b, file, path, err);
    if (r > 0)
        *out = b ? 1 : 0;
    return r < 0 ? r : 0;
}

/* Reads a list of file-rule paths, normalised, refusing duplicates across the lists. */
static int get_rule_paths(json_t *obj, const char *key, char ***out, const char *file,
                          const char *path, rw_error_t **err)
{
    cleanup_strv char **raw = NULL;
    int r = rw_json_get_strv(obj, key, &raw, file, path, err);
    if (r < 0)
        return r;
    size_t n = 0;
    while (raw && raw[n])
        n++;
    if (n > RW_LSM_MAX_RULES)
        return rw_error_set(err, E2BIG, "%s: %s.%s: more than %d paths", file, path, key,
                            RW_LSM_MAX_RULES);
    char **v = calloc(n + 1, sizeof(char *));
    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if ((r = rw_lsm_path_normalize(raw[i], &v[i])) < 0) {
            rw_strv_freep(&v);
            if (r == -ENOMEM)
                return r;
            return rw_error_set(err, EINVAL,
                                "%s: %s.%s[%zu]: '%s' must be an absolute path of letters, "
                                "digits and . _ - + : ~ %% (no globs, no '.' or '..')",
                                file, path, key, i, raw[i]);
        }
    }
    rw_strv_freep(out);
    *out = v;
    return 0;
}

static bool in_strv(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static bool valid_tenant_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static void tenant_clear(rw_lsm_tenant_t *t)
{
    free(t->name);
    free(t->level);
    rw_strv_freep(&t->deny);
    rw_strv_freep(&t->read_only);
    rw_strv_freep(&t->read_write);
    rw_strv_freep(&t->network);
}

static int empty_strv(char ***v)
{
    if (!*v && !(*v = calloc(1, sizeof(char *))))
        return -ENOMEM;
    return 0;
}

static int parse_tenant(json_t *o, const char *name, const char *file, rw_lsm_tenant_t *t,
                        rw_error_t **err)
{
    char path[128];
    snprintf(path, sizeof(path), "$.lsm.tenants.%s", name);
    static const char *const keys[] = {
        "level",    "allowUnconfined", "allowLabelDisable", "allowCustomApparmor",
        "required", "files",           "network",           NULL};
    if (!json_is_object(o))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
    int r = rw_json_check_keys(o, keys, file, path, err);
    if (r < 0)
        return r;
    t->allow_unconfined = t->allow_label_disable = t->allow_custom_apparmor = -1;
    if (!(t->name = strdup(name)))
        return -ENOMEM;
    const char *s = NULL;
    if ((r = rw_json_get_string(o, "level", false, &s, file, path, err)) < 0)
        return r;
    if (r > 0) {
        if (strcmp(s, "privileged") && strcmp(s, "baseline") && strcmp(s, "restricted"))
            return rw_error_set(err, EINVAL,
                                "%s: %s.level: '%s' is not privileged, baseline or restricted",
                                file, path, s);
        if (!(t->level = strdup(s)))
            return -ENOMEM;
    }
    if ((r = get_tristate(o, "allowUnconfined", &t->allow_unconfined, file, path, err)) < 0 ||
        (r = get_tristate(o, "allowLabelDisable", &t->allow_label_disable, file, path, err)) < 0 ||
        (r = get_tristate(o, "allowCustomApparmor", &t->allow_custom_apparmor, file, path, err)) <
            0)
        return r;
    json_t *req = json_object_get(o, "required");
    if (req) {
        if ((r = parse_required(req, &t->required, file, path, err)) < 0)
            return r;
        t->required_set = true;
    }
    json_t *files = json_object_get(o, "files");
    if (files) {
        char fpath[160];
        snprintf(fpath, sizeof(fpath), "%s.files", path);
        static const char *const fkeys[] = {"deny", "readOnly", "readWrite", NULL};
        if (!json_is_object(files))
            return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, fpath);
        if ((r = rw_json_check_keys(files, fkeys, file, fpath, err)) < 0)
            return r;
        if ((r = get_rule_paths(files, "deny", &t->deny, file, fpath, err)) < 0 ||
            (r = get_rule_paths(files, "readOnly", &t->read_only, file, fpath, err)) < 0 ||
            (r = get_rule_paths(files, "readWrite", &t->read_write, file, fpath, err)) < 0)
            return r;
    }
    if ((r = empty_strv(&t->deny)) < 0 || (r = empty_strv(&t->read_only)) < 0 ||
        (r = empty_strv(&t->read_write)) < 0)
        return r;
    /* One path, one meaning: a path in two lists would make the outcome depend on the LSM. */
    char **lists[] = {t->deny, t->read_only, t->read_write};
    for (size_t a = 0; a < 3; a++)
        for (char **p = lists[a]; *p; p++) {
            for (char **q = p + 1; *q; q++)
                if (strcmp(*p, *q) == 0)
                    return rw_error_set(err, EINVAL, "%s: %s.files: '%s' is listed twice", file,
                                        path, *p);
            for (size_t b = a + 1; b < 3; b++)
                if (in_strv(lists[b], *p))
                    return rw_error_set(err, EINVAL,
                                        "%s: %s.files: '%s' is in two lists (deny, readOnly, "
                                        "readWrite are exclusive)",
                                        file, path, *p);
        }
    if (json_object_get(o, "network")) {
        if ((r = rw_json_get_strv(o, "network", &t->network, file, path, err)) < 0)
            return r;
        for (char **f = t->network; *f; f++)
            if (!rw_lsm_network_family_valid(*f))
                return rw_error_set(err, EINVAL,
                                    "%s: %s.network: '%s' is not an AppArmor network family "
                                    "(unix, inet, inet6, netlink, packet, ...)",
                                    file, path, *f);
    }
    return 0;
}

static int parse_apparmor(rw_lsm_config_t *c, json_t *o, const char *file, rw_error_t **err)
{
    static const char *const keys[] = {"enabled",  "template",      "parser",
                                       "cacheDir", "profilePrefix", NULL};
    const char *path = "$.lsm.apparmor";
    if (!json_is_object(o))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
    int r = rw_json_check_keys(o, keys, file, path, err);
    if (r < 0 || (r = rw_json_get_bool(o, "enabled", &c->apparmor.enabled, file, path, err)) < 0)
        return r;
    if ((r = get_abs_path(o, "template", &c->apparmor.template_path, file, path, err)) < 0 ||
        (r = get_abs_path(o, "parser", &c->apparmor.parser, file, path, err)) < 0 ||
        (r = get_abs_path(o, "cacheDir", &c->apparmor.cache_dir, file, path, err)) < 0)
        return r;
    const char *s = NULL;
    if ((r = rw_json_get_string(o, "profilePrefix", false, &s, file, path, err)) < 0)
        return r;
    if (r > 0) {
        size_t n = strlen(s);
        bool ok = n > 0 && n <= 32;
        for (const char *p = s; ok && *p; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
        if (!ok)
            return rw_error_set(err, EINVAL,
                                "%s: %s.profilePrefix: '%s' must be 1-32 of a-z 0-9 - _", file,
                                path, s);
        free(c->apparmor.prefix);
        if (!(c->apparmor.prefix = strdup(s)))
            return -ENOMEM;
    }
    return 0;
}

static int parse_selinux(rw_lsm_config_t *c, json_t *o, const char *file, rw_error_t **err)
{
    static const char *const keys[] = {"enabled", "contexts", "mcs", NULL};
    const char *path = "$.lsm.selinux";
    if (!json_is_object(o))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
    int r = rw_json_check_keys(o, keys, file, path, err);
    if (r < 0 || (r = rw_json_get_bool(o, "enabled", &c->selinux.enabled, file, path, err)) < 0)
        return r;
    if ((r = get_abs_path(o, "contexts", &c->selinux.contexts, file, path, err)) < 0)
        return r;
    json_t *mcs = json_object_get(o, "mcs");
    if (!mcs)
        return 0;
    static const char *const mkeys[] = {"stateDir", "categories", NULL};
    const char *mpath = "$.lsm.selinux.mcs";
    if (!json_is_object(mcs))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, mpath);
    if ((r = rw_json_check_keys(mcs, mkeys, file, mpath, err)) < 0 ||
        (r = get_abs_path(mcs, "stateDir", &c->selinux.mcs_dir, file, mpath, err)) < 0)
        return r;
    json_t *cat = json_object_get(mcs, "categories");
    if (cat) {
        json_t *lo = json_array_get(cat, 0), *hi = json_array_get(cat, 1);
        if (!json_is_array(cat) || json_array_size(cat) != 2 || !json_is_integer(lo) ||
            !json_is_integer(hi) || json_integer_value(lo) < 0 || json_integer_value(hi) > 1023 ||
            json_integer_value(lo) + 3 > json_integer_value(hi))
            return rw_error_set(err, EINVAL,
                                "%s: %s.categories: must be [first, last] with 0 <= first, "
                                "first + 3 <= last <= 1023",
                                file, mpath);
        c->selinux.cat_min = (unsigned)json_integer_value(lo);
        c->selinux.cat_max = (unsigned)json_integer_value(hi);
    }
    return 0;
}

static int parse_landlock(rw_lsm_config_t *c, json_t *o, const char *file, rw_error_t **err)
{
    static const char *const keys[] = {"use", "launcher", "destination", NULL};
    const char *path = "$.lsm.landlock";
    if (!json_is_object(o))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
    int r = rw_json_check_keys(o, keys, file, path, err);
    if (r < 0)
        return r;
    const char *s = NULL;
    if ((r = rw_json_get_string(o, "use", false, &s, file, path, err)) < 0)
        return r;
    if (r > 0) {
        if (strcmp(s, "fallback") == 0)
            c->landlock.use = RW_LANDLOCK_FALLBACK;
        else if (strcmp(s, "always") == 0)
            c->landlock.use = RW_LANDLOCK_ALWAYS;
        else if (strcmp(s, "never") == 0)
            c->landlock.use = RW_LANDLOCK_NEVER;
        else
            return rw_error_set(err, EINVAL, "%s: %s.use: '%s' is not fallback, always or never",
                                file, path, s);
    }
    if ((r = get_abs_path(o, "launcher", &c->landlock.launcher, file, path, err)) < 0)
        return r;
    s = NULL;
    if ((r = rw_json_get_string(o, "destination", false, &s, file, path, err)) < 0)
        return r;
    if (r > 0) {
        char *n = NULL;
        if (rw_lsm_path_normalize(s, &n) < 0 || strcmp(n, "/") == 0) {
            free(n);
            return rw_error_set(err, EINVAL,
                                "%s: %s.destination: '%s' must be an absolute file path", file,
                                path, s);
        }
        free(c->landlock.destination);
        c->landlock.destination = n;
    }
    return 0;
}

static int parse_section(rw_lsm_config_t *c, json_t *sec, const char *file, rw_error_t **err)
{
    static const char *const keys[] = {"required", "stateDir", "apparmor", "selinux",
                                       "landlock", "tenants",  NULL};
    if (!json_is_object(sec))
        return rw_error_set(err, EINVAL, "%s: $.lsm: must be an object", file);
    int r = rw_json_check_keys(sec, keys, file, "$.lsm", err);
    if (r < 0)
        return r;
    json_t *req = json_object_get(sec, "required");
    if (req && (r = parse_required(req, &c->required, file, "$.lsm", err)) < 0)
        return r;
    if ((r = get_abs_path(sec, "stateDir", &c->state_dir, file, "$.lsm", err)) < 0)
        return r;
    json_t *v;
    if ((v = json_object_get(sec, "apparmor")) && (r = parse_apparmor(c, v, file, err)) < 0)
        return r;
    if ((v = json_object_get(sec, "selinux")) && (r = parse_selinux(c, v, file, err)) < 0)
        return r;
    if ((v = json_object_get(sec, "landlock")) && (r = parse_landlock(c, v, file, err)) < 0)
        return r;
    json_t *tenants = json_object_get(sec, "tenants");
    if (!tenants)
        return 0;
    if (!json_is_object(tenants))
        return rw_error_set(err, EINVAL, "%s: $.lsm.tenants: must be an object", file);
    size_t n = json_object_size(tenants);
    if (n > 4096)
        return rw_error_set(err, E2BIG, "%s: $.lsm.tenants: more than 4096 tenants", file);
    c->tenants = calloc(n ? n : 1, sizeof(*c->tenants));
    if (!c->tenants)
        return -ENOMEM;
    const char *name;
    json_object_foreach(tenants, name, v)
    {
        if (!valid_tenant_name(name))
            return rw_error_set(err, EINVAL,
                                "%s: $.lsm.tenants: '%s' is not a valid tenant name (1-64 of "
                                "letters, digits, - _ .)",
                                file, name);
        rw_lsm_tenant_t *t = &c->tenants[c->n_tenants++];
        if ((r = parse_tenant(v, name, file, t, err)) < 0)
            return r;
    }
    return 0;
}

static int set_defaults(rw_lsm_config_t *c)
{
    int r;
    if ((r = dup_default(&c->state_dir, "/run/runwarden/lsm")) < 0 ||
        (r = dup_default(&c->apparmor.template_path,
                         RW_DATADIR "/apparmor/containers-default.tmpl")) < 0 ||
        (r = dup_default(&c->apparmor.cache_dir, "/var/cache/runwarden/apparmor")) < 0 ||
        (r = dup_default(&c->apparmor.prefix, "runwarden-")) < 0 ||
        (r = dup_default(&c->selinux.mcs_dir, "/run/runwarden/mcs")) < 0 ||
        (r = dup_default(&c->landlock.launcher, RW_LIBEXECDIR "/runwarden-landlock")) < 0 ||
        (r = dup_default(&c->landlock.destination, "/dev/.runwarden-landlock")) < 0)
        return r;
    return 0;
}

int rw_lsm_config_parse(json_t *section, const char *file, rw_lsm_config_t **ret, rw_error_t **err)
{
    cleanup_lsm_config rw_lsm_config_t *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->apparmor.enabled = c->selinux.enabled = true;
    c->selinux.cat_min = 0;
    c->selinux.cat_max = 1023;
    c->landlock.use = RW_LANDLOCK_FALLBACK;
    int r = 0;
    if (section) {
        c->configured = true;
        if ((r = parse_section(c, section, file ? file : "runwarden.json", err)) < 0)
            return r;
    }
    if ((r = set_defaults(c)) < 0)
        return r;
    *ret = TAKE_PTR(c);
    return 0;
}

void rw_lsm_config_free(rw_lsm_config_t *c)
{
    if (!c)
        return;
    free(c->state_dir);
    free(c->apparmor.template_path);
    free(c->apparmor.parser);
    free(c->apparmor.cache_dir);
    free(c->apparmor.prefix);
    free(c->selinux.contexts);
    free(c->selinux.mcs_dir);
    free(c->landlock.launcher);
    free(c->landlock.destination);
    for (size_t i = 0; i < c->n_tenants; i++)
        tenant_clear(&c->tenants[i]);
    free(c->tenants);
    free(c);
}

const rw_lsm_tenant_t *rw_lsm_config_tenant(const rw_lsm_config_t *c, const char *tenant)
{
    static char *empty[] = {NULL};
    static const rw_lsm_tenant_t builtin = {
        .name = (char *)RW_LSM_TENANT_DEFAULT,
        .allow_unconfined = -1,
        .allow_label_disable = -1,
        .allow_custom_apparmor = -1,
        .deny = empty,
        .read_only = empty,
        .read_write = empty,
    };
    const rw_lsm_tenant_t *def = NULL;
    for (size_t i = 0; i < c->n_tenants; i++) {
        if (tenant && strcmp(c->tenants[i].name, tenant) == 0)
            return &c->tenants[i];
        if (strcmp(c->tenants[i].name, RW_LSM_TENANT_DEFAULT) == 0)
            def = &c->tenants[i];
    }
    return def ? def : &builtin;
}

unsigned rw_lsm_config_required(const rw_lsm_config_t *c, const rw_lsm_tenant_t *t)
{
    return t->required_set ? t->required : c->required;
}
