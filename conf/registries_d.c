/* registries.d: which lookaside holds the signatures of a docker reference. Merging and
 * lookup follow containers/image (docker/registries_d.go); unknown keys are ignored there
 * and here, but a value of the wrong type is an error naming the file and line. */
#include "registries_d.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/hash.h"
#include "yaml_subset.h"

rw_trust_regd_t *rw_trust_regd_new(void)
{
    rw_trust_regd_t *c = calloc(1, sizeof(*c));
    if (c)
        rw_sha256_init(&c->digest);
    return c;
}

static void ns_clear(rw_trust_regd_ns_t *n)
{
    free(n->name);
    free(n->lookaside);
    free(n->lookaside_staging);
    free(n->sigstore);
    free(n->sigstore_staging);
    free(n->file);
}

void rw_trust_regd_free(rw_trust_regd_t *c)
{
    if (!c)
        return;
    if (c->default_docker) {
        ns_clear(c->default_docker);
        free(c->default_docker);
    }
    for (size_t i = 0; i < c->n_ns; i++)
        ns_clear(&c->ns[i]);
    free(c->ns);
    free(c);
}

static int str_field(const rw_yaml_node_t *v, const char *file, const char *key, char **out,
                     rw_error_t **err)
{
    if (v->kind == RW_YAML_NULL)
        return 0;
    if (v->kind != RW_YAML_SCALAR || rw_yaml_plain_is_typed(v))
        return rw_error_set(err, EINVAL, "%s: line %d: \"%s\" must be a string", file, v->line,
                            key);
    free(*out);
    *out = NULL;
    if (!v->scalar[0])
        return 0;
    return (*out = strdup(v->scalar)) ? 0 : -ENOMEM;
}

/* One namespace section. Keys match case-insensitively, as Go's JSON decoding does. */
static int parse_ns(const rw_yaml_node_t *m, const char *file, rw_trust_regd_ns_t *ns,
                    rw_error_t **err)
{
    ns->use_sigstore_attachments = -1;
    if (!(ns->file = strdup(file)))
        return -ENOMEM;
    if (m->kind == RW_YAML_NULL)
        return 0;
    if (m->kind != RW_YAML_MAP)
        return rw_error_set(err, EINVAL, "%s: line %d: a namespace section must be a mapping", file,
                            m->line);
    for (size_t i = 0; i < m->n_pairs; i++) {
        const char *k = m->pairs[i].key;
        const rw_yaml_node_t *v = m->pairs[i].value;
        int r = 0;
        if (strcasecmp(k, "lookaside") == 0)
            r = str_field(v, file, k, &ns->lookaside, err);
        else if (strcasecmp(k, "lookaside-staging") == 0)
            r = str_field(v, file, k, &ns->lookaside_staging, err);
        else if (strcasecmp(k, "sigstore") == 0)
            r = str_field(v, file, k, &ns->sigstore, err);
        else if (strcasecmp(k, "sigstore-staging") == 0)
            r = str_field(v, file, k, &ns->sigstore_staging, err);
        else if (strcasecmp(k, "use-sigstore-attachments") == 0) {
            if (v->kind == RW_YAML_NULL)
                continue;
            int b = rw_yaml_bool(v);
            if (b < 0)
                return rw_error_set(err, EINVAL, "%s: line %d: \"%s\" must be true or false", file,
                                    v->line, k);
            ns->use_sigstore_attachments = b;
        }
        if (r < 0)
            return r;
    }
    return 0;
}

int rw_trust_regd_parse(rw_trust_regd_t *c, const char *buf, size_t len, const char *file,
                        rw_error_t **err)
{
    cleanup_yaml rw_yaml_node_t *root = NULL;
    int r = rw_yaml_parse(buf, len, file, &root, err);
    if (r < 0)
        return r;
    rw_sha256_update(&c->digest, file, strlen(file) + 1);
    rw_sha256_update(&c->digest, buf, len);
    if (root->kind == RW_YAML_NULL)
        return 0;
    if (root->kind != RW_YAML_MAP)
        return rw_error_set(err, EINVAL, "%s: the document must be a mapping", file);
    for (size_t i = 0; i < root->n_pairs; i++) {
        const char *k = root->pairs[i].key;
        const rw_yaml_node_t *v = root->pairs[i].value;
        if (strcasecmp(k, "default-docker") == 0) {
            if (v->kind == RW_YAML_NULL)
                continue;
            if (c->default_docker)
                return rw_error_set(err, EINVAL,
                                    "%s: \"default-docker\" is defined both here and in %s", file,
                                    c->default_docker->file);
            rw_trust_regd_ns_t *ns = calloc(1, sizeof(*ns));
            if (!ns)
                return -ENOMEM;
            c->default_docker = ns;
            if ((r = parse_ns(v, file, ns, err)) < 0)
                return r;
        } else if (strcasecmp(k, "docker") == 0) {
            if (v->kind == RW_YAML_NULL)
                continue;
            if (v->kind != RW_YAML_MAP)
                return rw_error_set(err, EINVAL, "%s: line %d: \"docker\" must be a mapping", file,
                                    v->line);
            for (size_t j = 0; j < v->n_pairs; j++) {
                const char *name = v->pairs[j].key;
                for (size_t q = 0; q < c->n_ns; q++)
                    if (strcmp(c->ns[q].name, name) == 0)
                        return rw_error_set(err, EINVAL,
                                            "%s: line %d: docker namespace \"%s\" is defined "
                                            "both here and in %s",
                                            file, v->pairs[j].line, name, c->ns[q].file);
                rw_trust_regd_ns_t *nn = realloc(c->ns, (c->n_ns + 1) * sizeof(*nn));
                if (!nn)
                    return -ENOMEM;
                c->ns = nn;
                rw_trust_regd_ns_t *ns = &nn[c->n_ns++];
                memset(ns, 0, sizeof(*ns));
                if (!(ns->name = strdup(name)))
                    return -ENOMEM;
                if ((r = parse_ns(v->pairs[j].value, file, ns, err)) < 0)
                    return r;
            }
        }
        /* other top-level keys are ignored, as upstream does */
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int rw_trust_regd_load(const char *dir, rw_trust_regd_t **ret, rw_error_t **err)
{
    rw_trust_regd_t *c = rw_trust_regd_new();
    if (!c)
        return -ENOMEM;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT) {
            *ret = c;
            return 0;
        }
        int e = errno;
        rw_trust_regd_free(c);
        return rw_error_setsys(err, e, "registries.d %s: cannot open", dir);
    }
    cleanup_close int dfd_owned = dfd;
    int dup_fd = dup(dfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        int e = errno;
        if (dup_fd >= 0)
            close(dup_fd);
        rw_trust_regd_free(c);
        return rw_error_setsys(err, e, "registries.d %s: cannot list", dir);
    }
    cleanup_strv char **names = calloc(1, sizeof(char *));
    size_t n = 0;
    int r = names ? 0 : -ENOMEM;
    struct dirent *de;
    while (r >= 0 && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".yaml") != 0 || de->d_name[0] == '.')
            continue;
        if (n >= RW_TRUST_REGD_MAX_FILES) {
            r = rw_error_set(err, E2BIG, "registries.d %s: more than %d files", dir,
                             RW_TRUST_REGD_MAX_FILES);
            break;
        }
        char **nn = realloc(names, (n + 2) * sizeof(char *));
        if (!nn) {
            r = -ENOMEM;
            break;
        }
        names = nn;
        if (!(names[n] = strdup(de->d_name)))
            r = -ENOMEM;
        else
            names[++n] = NULL;
    }
    closedir(d);
    if (r >= 0)
        qsort(names, n, sizeof(char *), cmp_names);
    for (size_t i = 0; r >= 0 && i < n; i++) {
        cleanup_free char *buf = NULL, *path = NULL;
        size_t len = 0;
        rw_error_t *e = NULL;
        if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
            path = NULL;
            r = -ENOMEM;
            break;
        }
        r = rw_file_read_at(dfd_owned, names[i], RW_TRUST_REGD_MAX_FILE, &buf, &len, NULL, &e);
        if (r < 0) {
            rw_error_set(err, -r, "registries.d: %s: %s", path, e ? e->msg : "cannot read");
            rw_error_free(e);
            break;
        }
        r = rw_trust_regd_parse(c, buf, len, path, err);
    }
    if (r < 0) {
        rw_trust_regd_free(c);
        return r;
    }
    *ret = c;
    return 0;
}

static const char *ns_read_url(const rw_trust_regd_ns_t *ns)
{
    if (ns->lookaside)
        return ns->lookaside;
    return ns->sigstore; /* deprecated alias */
}

const char *rw_trust_regd_lookaside(const rw_trust_regd_t *c, const char *identity,
                                    char *const *namespaces, bool *ret_builtin)
{
    *ret_builtin = false;
    if (c) {
        /* A section that gives no URL falls through to the next, as upstream's code does. */
        for (size_t i = 0; identity && i < c->n_ns; i++)
            if (strcmp(c->ns[i].name, identity) == 0 && ns_read_url(&c->ns[i]))
                return ns_read_url(&c->ns[i]);
        for (char *const *n = namespaces; n && *n; n++)
            for (size_t i = 0; i < c->n_ns; i++)
                if (strcmp(c->ns[i].name, *n) == 0 && ns_read_url(&c->ns[i]))
                    return ns_read_url(&c->ns[i]);
        if (c->default_docker && ns_read_url(c->default_docker))
            return ns_read_url(c->default_docker);
    }
    *ret_builtin = true;
    return RW_TRUST_REGD_DEFAULT_ROOT;
}

int rw_trust_lookaside_dir(const char *url, char **ret_path)
{
    const char *colon = strchr(url, ':');
    if (!colon)
        return -EINVAL;
    size_t sl = (size_t)(colon - url);
    if (!(sl == 4 && strncasecmp(url, "file", 4) == 0))
        return -EPROTONOSUPPORT;
    const char *p = colon + 1;
    if (strncmp(p, "//", 2) == 0) {
        p += 2;
        const char *slash = strchr(p, '/');
        if (!slash)
            return -EINVAL;
        size_t hl = (size_t)(slash - p);
        if (hl != 0 && !(hl == 9 && strncasecmp(p, "localhost", 9) == 0))
            return -EPROTONOSUPPORT; /* file://host/... is someone else's file system */
        p = slash;
    }
    if (p[0] != '/')
        return -EINVAL;
    size_t n = strcspn(p, "?#");
    cleanup_free char *out = malloc(n + 1);
    if (!out)
        return -ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%') {
            if (i + 2 >= n)
                return -EINVAL;
            int hi = rw_hex_digit((unsigned char)p[i + 1]),
                lo = rw_hex_digit((unsigned char)p[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -EINVAL;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
            continue;
        }
        out[o++] = p[i];
    }
    out[o] = '\0';
    /* The base is joined with the repository path; never allow climbing out of it. */
    if (strstr(out, "/../") || (o >= 3 && strcmp(out + o - 3, "/..") == 0))
        return -EINVAL;
    *ret_path = TAKE_PTR(out);
    return 0;
}
