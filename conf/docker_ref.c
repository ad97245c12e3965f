/* Docker reference grammar (distribution/reference as vendored by containers/image 5.x),
 * written as small matchers instead of regular expressions. Only ASCII is ever valid. */
#include "docker_ref.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
    return is_alnum(c) || c == '_';
}

bool rw_trust_is_hex_id(const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* One path component: [a-z0-9]+ joined by ".", "_", "__" or a run of "-". */
static bool path_component_valid(const char *s, size_t n)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    size_t i = 0;
    while (i < n) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_lower_alnum(s[j]))
            j++;
        size_t run = j - i;
        bool ok = (run == 1 && (s[i] == '.' || s[i] == '_')) ||
                  (run == 2 && s[i] == '_' && s[i + 1] == '_');
        if (!ok) {
            ok = true;
            for (size_t k = i; k < j; k++)
                if (s[k] != '-')
                    ok = false;
        }
        if (!ok)
            return false;
        i = j;
    }
    return true;
}

static bool path_valid(const char *s, size_t n)
{
    if (n == 0)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || s[i] == '/') {
            if (!path_component_valid(s + start, i - start))
                return false;
            start = i + 1;
        }
    return true;
}

static bool domain_component_valid(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

bool rw_trust_domain_valid(const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    size_t host = colon ? (size_t)(colon - s) : n;
    if (colon) {
        size_t plen = n - host - 1;
        if (plen == 0)
            return false;
        for (size_t i = host + 1; i < n; i++)
            if (s[i] < '0' || s[i] > '9')
                return false;
    }
    size_t start = 0;
    for (size_t i = 0; i <= host; i++)
        if (i == host || s[i] == '.') {
            if (!domain_component_valid(s + start, i - start))
                return false;
            start = i + 1;
        }
    return true;
}

bool rw_trust_digest_valid(const char *s)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return false;
    size_t alg = (size_t)(colon - s), want;
    if (alg == 6 && strncmp(s, "sha256", 6) == 0)
        want = 64;
    else if (alg == 6 && strncmp(s, "sha384", 6) == 0)
        want = 96;
    else if (alg == 6 && strncmp(s, "sha512", 6) == 0)
        want = 128;
    else
        return false;
    const char *hex = colon + 1;
    size_t n = strlen(hex);
    if (n != want)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return false;
    return true;
}

static bool tag_valid(const char *s, size_t n)
{
    if (n == 0 || n > 128 || !is_word(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

void rw_trust_ref_clear(rw_trust_ref_t *r)
{
    if (!r)
        return;
    free(r->domain);
    free(r->path);
    free(r->name);
    free(r->tag);
    free(r->digest);
    free(r->string);
    memset(r, 0, sizeof(*r));
}

/* Fills name (when missing) and string from the parts. */
static int build_strings(rw_trust_ref_t *r)
{
    if (r->name) {
        /* already built */
    } else if (r->domain[0]) {
        if (asprintf(&r->name, "%s/%s", r->domain, r->path) < 0) {
            r->name = NULL;
            return -ENOMEM;
        }
    } else if (!(r->name = strdup(r->path))) {
        return -ENOMEM;
    }
    if (asprintf(&r->string, "%s%s%s%s%s", r->name, r->tag ? ":" : "", r->tag ? r->tag : "",
                 r->digest ? "@" : "", r->digest ? r->digest : "") < 0) {
        r->string = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* reference.Parse on a string that has already been given its domain. */
static int parse_full(const char *s, rw_trust_ref_t *out, const char **why)
{
    size_t n = strlen(s);
    const char *at = memchr(s, '@', n);
    size_t name_tag_len = at ? (size_t)(at - s) : n;
    cleanup_free char *digest = NULL, *tag = NULL;
    if (at) {
        if (!rw_trust_digest_valid(at + 1)) {
            *why = "invalid digest";
            return -EINVAL;
        }
        if (!(digest = strdup(at + 1)))
            return -ENOMEM;
    }
    /* A tag is a ':' after the last '/'; a ':' before it belongs to a domain's port. */
    size_t last_slash = 0;
    bool have_slash = false;
    for (size_t i = 0; i < name_tag_len; i++)
        if (s[i] == '/') {
            last_slash = i;
            have_slash = true;
        }
    size_t name_len = name_tag_len;
    const char *colon = memchr(s + (have_slash ? last_slash : 0), ':',
                               name_tag_len - (have_slash ? last_slash : 0));
    if (colon) {
        name_len = (size_t)(colon - s);
        size_t tlen = name_tag_len - name_len - 1;
        if (!tag_valid(colon + 1, tlen)) {
            *why = "invalid tag";
            return -EINVAL;
        }
        if (!(tag = strndup(colon + 1, tlen)))
            return -ENOMEM;
    }
    if (name_len == 0) {
        *why = "repository name is empty";
        return -EINVAL;
    }
    if (name_len > RW_TRUST_NAME_MAX) {
        *why = "repository name is longer than 255 characters";
        return -EINVAL;
    }
    const char *slash = memchr(s, '/', name_len);
    size_t dlen = slash ? (size_t)(slash - s) : 0;
    bool with_domain =
        slash && rw_trust_domain_valid(s, dlen) && path_valid(slash + 1, name_len - dlen - 1);
    if (!with_domain && !path_valid(s, name_len)) {
        bool upper = false;
        for (size_t i = 0; i < name_len; i++)
            if (s[i] >= 'A' && s[i] <= 'Z')
                upper = true;
        *why = upper ? "repository name must be lowercase" : "invalid reference format";
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    out->domain = with_domain ? strndup(s, dlen) : strdup("");
    out->path = with_domain ? strndup(slash + 1, name_len - dlen - 1) : strndup(s, name_len);
    out->tag = TAKE_PTR(tag);
    out->digest = TAKE_PTR(digest);
    if (!out->domain || !out->path || build_strings(out) < 0) {
        rw_trust_ref_clear(out);
        return -ENOMEM;
    }
    return 0;
}

int rw_trust_ref_parse_normalized(const char *s, rw_trust_ref_t *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    size_t n = strlen(s);
    if (n == 0) {
        *why = "repository name is empty";
        return -EINVAL;
    }
    if (n > 4 * RW_TRUST_NAME_MAX) {
        *why = "reference is too long";
        return -EINVAL;
    }
    if (rw_trust_is_hex_id(s, n)) {
        *why = "a 64-character hexadecimal string is an image ID, not a repository name";
        return -EINVAL;
    }
    /* splitDockerDomain: the first component is a domain only if it looks like one. */
    const char *slash = strchr(s, '/');
    const char *domain = "docker.io", *rem = s;
    size_t dlen = 9;
    if (slash) {
        size_t first = (size_t)(slash - s);
        bool looks = memchr(s, '.', first) || memchr(s, ':', first) ||
                     (first == 9 && strncmp(s, "localhost", 9) == 0);
        if (looks) {
            domain = s;
            dlen = first;
            rem = slash + 1;
        }
    }
    if (dlen == 15 && strncmp(domain, "index.docker.io", 15) == 0) {
        domain = "docker.io";
        dlen = 9;
    }
    bool official = dlen == 9 && strncmp(domain, "docker.io", 9) == 0 && !strchr(rem, '/');
    /* The repository part (before any ':') must be lower case. */
    for (const char *p = rem; *p && *p != ':'; p++)
        if (*p >= 'A' && *p <= 'Z') {
            *why = "repository name must be lowercase";
            return -EINVAL;
        }
    cleanup_free char *full = NULL;
    if (asprintf(&full, "%.*s/%s%s", (int)dlen, domain, official ? "library/" : "", rem) < 0)
        return -ENOMEM;
    return parse_full(full, out, why);
}

int rw_trust_ref_parse_named(const char *s, rw_trust_ref_t *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    int r = rw_trust_ref_parse_normalized(s, out, why);
    if (r < 0)
        return r;
    if (strcmp(out->string, s) != 0) {
        rw_trust_ref_clear(out);
        *why = "repository name must be canonical";
        return -EINVAL;
    }
    return 0;
}

int rw_trust_ref_tag_name_only(rw_trust_ref_t *r)
{
    if (!rw_trust_ref_name_only(r))
        return 0;
    if (!(r->tag = strdup("latest")))
        return -ENOMEM;
    free(r->string);
    r->string = NULL;
    return build_strings(r);
}

int rw_trust_ref_identity(const rw_trust_ref_t *r, char **ret)
{
    if ((r->tag && r->digest) || (!r->tag && !r->digest))
        return -EINVAL;
    if (asprintf(ret, "%s%s%s", r->name, r->tag ? ":" : "@", r->tag ? r->tag : r->digest) < 0) {
        *ret = NULL;
        return -ENOMEM;
    }
    return 0;
}

static int strv_push(char ***v, size_t *n, const char *s, size_t len)
{
    char **nv = realloc(*v, (*n + 2) * sizeof(char *));
    if (!nv)
        return -ENOMEM;
    *v = nv;
    if (!(nv[*n] = strndup(s, len)))
        return -ENOMEM;
    nv[++*n] = NULL;
    return 0;
}

int rw_trust_ref_namespaces(const rw_trust_ref_t *r, char ***ret)
{
    cleanup_strv char **v = calloc(1, sizeof(char *));
    size_t n = 0;
    if (!v)
        return -ENOMEM;
    const char *name = r->name;
    size_t len = strlen(name);
    for (;;) {
        if (strv_push(&v, &n, name, len) < 0)
            return -ENOMEM;
        const char *last = NULL;
        for (size_t i = 0; i < len; i++)
            if (name[i] == '/')
                last = name + i;
        if (!last)
            break;
        len = (size_t)(last - name);
    }
    /* What is left is the host[:port]; wildcards use the host without its port. */
    const char *colon = memchr(name, ':', len);
    if (colon)
        len = (size_t)(colon - name);
    const char *host = name;
    for (;;) {
        const char *dot = memchr(host, '.', len);
        if (!dot)
            break;
        len -= (size_t)(dot + 1 - host);
        host = dot + 1;
        cleanup_free char *w = NULL;
        if (asprintf(&w, "*.%.*s", (int)len, host) < 0)
            return -ENOMEM;
        if (strv_push(&v, &n, w, strlen(w)) < 0)
            return -ENOMEM;
    }
    *ret = TAKE_PTR(v);
    return 0;
}

bool rw_trust_remap_prefix_valid(const char *s)
{
    size_t n = strlen(s);
    if (rw_trust_domain_valid(s, n))
        return true;
    const char *slash = strchr(s, '/');
    if (!slash)
        return false;
    size_t d = (size_t)(slash - s);
    return rw_trust_domain_valid(s, d) && path_valid(slash + 1, n - d - 1);
}
