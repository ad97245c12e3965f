/* A tenant's AppArmor profile: the template rendered with the tenant's rules, named after
 * its own content (so containers with the same rules share one loaded profile) and keyed
 * for the compile cache by content, parser and kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "apparmor.h"

/* Stands for the name until the name (a digest of the text) is known. */
#define NAME_MARK "\x01rw-name\x01"

static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = strstr(s, from); p; p = strstr(p + fl, from))
        n++;
    size_t len = strlen(s) + n * tl - n * fl;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    char *o = out;
    const char *p = s;
    for (const char *q = strstr(p, from); q; q = strstr(p, from)) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    memcpy(o, p, strlen(p) + 1); /* fits: len was computed above */
    return out;
}

int rw_apparmor_generate(const rw_lsm_config_t *c, const rw_lsm_tenant_t *t,
                         const rw_apparmor_host_t *h, rw_apparmor_profile_t *out, rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    cleanup_free char *tmpl = NULL;
    size_t tlen = 0;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(AT_FDCWD, c->apparmor.template_path, RW_APPARMOR_TEMPLATE_MAX, &tmpl,
                            &tlen, NULL, &e);
    if (r < 0) {
        rw_error_set(err, -r, "AppArmor template %s", e ? e->msg : c->apparmor.template_path);
        rw_error_free(e);
        return r;
    }
    cleanup_free char *rules = NULL, *network = NULL;
    if ((r = rw_apparmor_tenant_rules(t, &rules, &network, &out->limits)) < 0)
        return r;
    rw_apparmor_vars_t vars = {
        .name = NAME_MARK,
        .network = network,
        .tenant_rules = rules,
        .parser_version = h->version,
        .exists = h->exists,
    };
    cleanup_free char *marked = NULL;
    if ((r = rw_apparmor_template_render(tmpl, tlen, c->apparmor.template_path, &vars, &marked,
                                         err)) < 0)
        return r;

    uint8_t d[RW_SHA256_LEN];
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_sha256(marked, strlen(marked), d);
    rw_hex(d, sizeof(d), hex);
    if (asprintf(&out->name, "%s%s-%.12s", c->apparmor.prefix, t->name, hex) < 0) {
        out->name = NULL;
        return -ENOMEM;
    }
    if (!(out->text = replace_all(marked, NAME_MARK, out->name)))
        return -ENOMEM;

    /* The compiled form also depends on the parser and on the kernel's features. */
    rw_sha256_t ctx;
    rw_sha256_init(&ctx);
    static const char tag[] = "runwarden-apparmor-cache-1\n";
    rw_sha256_update(&ctx, tag, sizeof(tag) - 1);
    const char *parts[] = {h->parser_id ? h->parser_id : "", h->kernel ? h->kernel : "",
                           h->enabled ? "kernel-features" : "default-features", out->text};
    for (size_t i = 0; i < RW_ARRAY_SIZE(parts); i++)
        rw_sha256_update(&ctx, parts[i], strlen(parts[i]) + 1);
    rw_sha256_final(&ctx, d);
    rw_hex(d, sizeof(d), out->key);
    return 0;
}

void rw_apparmor_profile_clear(rw_apparmor_profile_t *p)
{
    free(p->name);
    free(p->text);
    free(p->cache_path);
    if (p->limits)
        json_decref(p->limits);
    memset(p, 0, sizeof(*p));
}
