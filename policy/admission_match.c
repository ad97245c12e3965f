/* Tenant selection: match rules in order over the starter's login uid, uid, groups and
 * the engine's annotations; the first rule whose every condition holds wins. Names are
 * resolved only when a rule is reached, so a long policy costs no NSS lookups up front. */
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "admission_internal.h"

/* CRI-O and containerd's CRI plugin record the pod namespace under different keys. */
static const char *const k8s_namespace_keys[] = {"io.kubernetes.pod.namespace",
                                                 "io.kubernetes.cri.sandbox-namespace"};

static bool resolve_user(const char *name, int64_t *ret)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
        return false;
    *ret = res->pw_uid;
    return true;
}

static bool resolve_group(const char *name, int64_t *ret)
{
    struct group gr, *res = NULL;
    char buf[16384];
    if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || !res)
        return false;
    *ret = res->gr_gid;
    return true;
}

/* Names resolved during one match: a policy names the same group in many rules, and
 * each NSS lookup reads /etc/group (or asks a directory server). */
#define NAME_CACHE 32
typedef struct name_cache {
    struct {
        const char *name;
        bool group, found;
        int64_t id;
    } e[NAME_CACHE];
    size_t n;
} name_cache_t;

static bool lookup(name_cache_t *c, const char *name, bool group, int64_t *ret)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (c->e[i].group == group && strcmp(c->e[i].name, name) == 0) {
            *ret = c->e[i].id;
            return c->e[i].found;
        }
    bool found = group ? resolve_group(name, ret) : resolve_user(name, ret);
    if (c && c->n < NAME_CACHE)
        c->e[c->n++] = (typeof(c->e[0])){name, group, found, found ? *ret : -1};
    return found;
}

static bool in_range(name_cache_t *c, const rw_adm_idrange_t *r, int64_t v, bool group)
{
    if (r->name) {
        int64_t id;
        /* A name that does not resolve matches nobody. */
        if (!lookup(c, r->name, group, &id))
            return false;
        return v == id;
    }
    return v >= r->lo && v <= r->hi;
}

static bool group_matches(name_cache_t *c, const rw_adm_idrange_t *r, const rw_identity_t *who)
{
    if (in_range(c, r, who->gid, true) || in_range(c, r, who->egid, true))
        return true;
    for (size_t i = 0; i < who->n_groups; i++)
        if (in_range(c, r, who->groups[i], true))
            return true;
    return false;
}

static bool annots_match(const rw_adm_match_t *m, const rw_spec_t *spec)
{
    for (size_t i = 0; i < m->n_annots; i++) {
        const rw_adm_annot_match_t *a = &m->annots[i];
        bool ok = false;
        if (spec && a->key) {
            const char *v = rw_spec_annotation(spec, a->key);
            ok = v && fnmatch(a->pattern, v, 0) == 0;
        } else if (spec) {
            for (size_t k = 0; k < 2 && !ok; k++) {
                const char *v = rw_spec_annotation(spec, k8s_namespace_keys[k]);
                ok = v && fnmatch(a->pattern, v, 0) == 0;
            }
        }
        if (!ok)
            return false;
    }
    return true;
}

static bool rule_matches(name_cache_t *c, const rw_adm_match_t *m, const rw_identity_t *who,
                         const rw_spec_t *spec)
{
    if ((m->has_uid || m->has_loginuid || m->has_group) && !who)
        return false;
    if (m->has_loginuid) {
        if (m->loginuid.lo == RW_ID_UNSET) {
            if (who->loginuid != RW_ID_UNSET)
                return false;
        } else if (who->loginuid == RW_ID_UNSET || !in_range(c, &m->loginuid, who->loginuid, false))
            return false;
    }
    if (m->has_uid && !in_range(c, &m->uid, who->uid, false))
        return false;
    if (m->has_group && !group_matches(c, &m->group, who))
        return false;
    return annots_match(m, spec);
}

int rw_admission_match(const rw_admission_config_t *cfg, const rw_identity_t *who,
                       const rw_spec_t *spec, size_t *ret_tenant, long *ret_rule)
{
    name_cache_t cache;
    cache.n = 0;
    for (size_t i = 0; i < cfg->n_matches; i++)
        if (rule_matches(&cache, &cfg->matches[i], who, spec)) {
            *ret_tenant = cfg->matches[i].tenant_index;
            *ret_rule = (long)i;
            return 0;
        }
    *ret_tenant = cfg->default_tenant;
    *ret_rule = -1;
    return 0;
}
