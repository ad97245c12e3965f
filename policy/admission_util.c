/* Capability sets and host-path patterns for the admission rules. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "admission_internal.h"

uint64_t rw_adm_caps_of(const rw_spec_caps_t *c, const char **ret_unknown)
{
    uint64_t bits = 0;
    char **const sets[] = {c->bounding, c->effective, c->inheritable, c->permitted, c->ambient};
    if (ret_unknown)
        *ret_unknown = NULL;
    for (size_t i = 0; i < RW_ARRAY_SIZE(sets); i++)
        for (char **n = sets[i]; n && *n; n++) {
            int b = rw_adm_cap_number(*n);
            if (b >= 0)
                bits |= UINT64_C(1) << b;
            else if (ret_unknown && !*ret_unknown)
                *ret_unknown = *n;
        }
    return bits;
}

char *rw_adm_caps_format(uint64_t bits)
{
    char buf[256];
    size_t o = 0;
    int shown = 0, more = 0;
    buf[0] = '\0';
    for (int i = 0; i < 64; i++) {
        if (!(bits & (UINT64_C(1) << i)))
            continue;
        if (shown >= 4) {
            more++;
            continue;
        }
        int n = snprintf(buf + o, sizeof(buf) - o, "%s%s", shown ? "," : "", rw_adm_cap_name(i));
        if (n > 0 && (size_t)n < sizeof(buf) - o)
            o += (size_t)n;
        shown++;
    }
    if (more)
        snprintf(buf + o, sizeof(buf) - o, " and %d more", more);
    return strdup(buf);
}

char *rw_adm_path_clean(const char *base, const char *path)
{
    cleanup_free char *joined = NULL;
    if (path[0] != '/') {
        if (asprintf(&joined, "%s/%s", base ? base : "", path) < 0)
            return NULL;
        path = joined;
    }
    size_t len = strlen(path);
    char *out = malloc(len + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 1 && p[0] == '.') {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* the slash before the dropped component */
        } else {
            out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return out;
}

static bool ends_with_subtree(const char *pattern, size_t *ret_base_len)
{
    size_t n = strlen(pattern);
    if (n >= 3 && strcmp(pattern + n - 3, "/**") == 0) {
        *ret_base_len = n - 3;
        return true;
    }
    *ret_base_len = n;
    return false;
}

/* A pattern without glob characters is compared as a string: most site lists are plain
 * paths, and fnmatch per ancestor is what a 200-rule policy would spend its time on. */
static bool literal_match(const char *base, size_t bl, bool subtree, const char *path)
{
    if (strncmp(path, base, bl) != 0)
        return false;
    if (path[bl] == '\0')
        return true;
    return subtree && (path[bl] == '/' || (bl == 1 && base[0] == '/'));
}

bool rw_adm_path_match(const char *pattern, const char *path)
{
    size_t bl;
    bool subtree = ends_with_subtree(pattern, &bl);
    if (bl == 0) /* the subtree of "/": everything */
        return true;
    if (pattern[strcspn(pattern, "*?[\\")] == '\0' || (subtree && strcspn(pattern, "*?[\\") >= bl))
        return literal_match(pattern, bl, subtree, path);
    char base[4096];
    if (bl >= sizeof(base))
        return false;
    memcpy(base, pattern, bl);
    base[bl] = '\0';
    if (fnmatch(base, path, FNM_PATHNAME) == 0)
        return true;
    if (!subtree)
        return false;
    /* Is some ancestor of path the base? */
    char anc[4096];
    size_t pl = strlen(path);
    if (pl >= sizeof(anc))
        return false;
    memcpy(anc, path, pl + 1);
    for (char *s = strrchr(anc, '/'); s && s > anc; s = strrchr(anc, '/')) {
        *s = '\0';
        if (fnmatch(base, anc, FNM_PATHNAME) == 0)
            return true;
    }
    return false;
}

bool rw_adm_path_exposes(const char *source, const char *pattern)
{
    if (rw_adm_path_match(pattern, source))
        return true;
    /* source is an ancestor of what pattern names: compare with the literal prefix. */
    if (strcmp(source, "/") == 0)
        return true;
    size_t sl = strlen(source);
    size_t lit = strcspn(pattern, "*?[");
    return lit > sl && strncmp(pattern, source, sl) == 0 && pattern[sl] == '/';
}

bool rw_adm_list_match_path(const char *const *list, const char *path)
{
    for (; list && *list; list++)
        if (rw_adm_path_match(*list, path))
            return true;
    return false;
}

bool rw_adm_list_match_glob(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (fnmatch(*list, s, 0) == 0)
            return true;
    return false;
}
