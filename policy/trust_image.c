/* Which image is this container? containers/storage first: the bundle path of podman and
 * CRI-O names the graph root and the container; containers.json gives the image id and the
 * name it was created from; images.json gives names and signature sizes. Then the engine's
 * annotations. Storage files are opened below the graph root without following links. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/hash.h"
#include "../common/json.h"
#include "../conf/docker_ref.h"
#include "trust.h"
#include "trust_cache.h"
#include "trust_sources.h"

static void subject_init(rw_trust_subject_t *s)
{
    memset(s, 0, sizeof(*s));
    s->image_dirfd = -1;
}

void rw_trust_subject_clear(rw_trust_subject_t *s)
{
    if (s->image_dirfd >= 0)
        close(s->image_dirfd);
    free(s->why_unknown);
    free(s->graphroot);
    free(s->driver);
    free(s->container_id);
    free(s->requested);
    rw_trust_image_rec_clear(&s->image);
    free(s->manifest);
    free(s->manifest_digest);
    subject_init(s);
}

static int set_unknown(rw_trust_subject_t *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int set_unknown(rw_trust_subject_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s->source = RW_TRUST_SRC_UNKNOWN;
    free(s->why_unknown);
    if (vasprintf(&s->why_unknown, fmt, ap) < 0)
        s->why_unknown = NULL;
    va_end(ap);
    return s->why_unknown ? 0 : -ENOMEM;
}

/* storage.conf (or the config's overrides): graph root and driver. */
static int storage_defaults(const rw_trust_config_t *cfg, char **ret_root, char **ret_driver,
                            rw_error_t **err)
{
    rw_trust_storage_conf_t sc = {0};
    if (cfg->storage_conf) {
        cleanup_free char *buf = NULL;
        size_t len = 0;
        rw_error_t *e = NULL;
        int r = rw_file_read_at(AT_FDCWD, cfg->storage_conf, 1u << 20, &buf, &len, NULL, &e);
        if (r == -ENOENT) {
            rw_error_free(e);
        } else if (r < 0) {
            rw_error_set(err, -r, "storage.conf %s: %s", cfg->storage_conf,
                         e ? e->msg : "cannot read");
            rw_error_free(e);
            return r;
        } else {
            rw_error_free(e);
            if ((r = rw_trust_storage_conf_parse(buf, len, cfg->storage_conf, &sc, err)) < 0)
                return r;
        }
    }
    const char *root = cfg->graphroot ? cfg->graphroot
                       : sc.graphroot ? sc.graphroot
                                      : RW_TRUST_STORAGE_DEFAULT_GRAPHROOT;
    const char *drv = cfg->driver ? cfg->driver : sc.driver;
    *ret_root = strdup(root);
    *ret_driver = drv ? strdup(drv) : NULL;
    rw_trust_storage_conf_clear(&sc);
    return *ret_root ? 0 : -ENOMEM;
}

/* The first driver whose <driver>-images directory exists. */
static char *probe_driver(const char *root)
{
    static const char *const drivers[] = {"overlay",   "vfs",  "btrfs", "zfs",
                                          "devmapper", "aufs", NULL};
    for (const char *const *d = drivers; *d; d++) {
        char p[4096];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s-images", root, *d);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            return strdup(*d);
    }
    return NULL;
}

static int open_root(const char *root, rw_error_t **err)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rw_error_setsys(err, errno, "graph root %s: cannot open", root);
    return fd;
}

/* Reads <root>/<driver>-<kind>/<file>; -ENOENT without error text when it does not exist. */
static int read_store_file(int rootfd, const char *root, const char *driver, const char *kind,
                           const char *file, char **buf, size_t *len, struct stat *st,
                           rw_error_t **err)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s-%s", driver, kind);
    cleanup_close int dfd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT)
            return -ENOENT;
        return rw_error_setsys(err, errno, "%s/%s: cannot open", root, dir);
    }
    rw_error_t *e = NULL;
    int r = rw_file_read_at(dfd, file, RW_TRUST_STORAGE_JSON_MAX, buf, len, st, &e);
    if (r == -ENOENT) {
        rw_error_free(e);
        return r;
    }
    if (r < 0)
        rw_error_set(err, -r, "%s/%s/%s: %s", root, dir, file, e ? e->msg : "cannot read");
    rw_error_free(e);
    return r;
}

static void image_index_key(const char *root, const char *driver, const char *id,
                            const struct stat *st, uint8_t out[RW_SHA256_LEN])
{
    rw_sha256_t c;
    rw_sha256_init(&c);
    char meta[256];
    int n =
        snprintf(meta, sizeof(meta), "rw-image-index-v1|%s|%s|%llu|%llu|%lld|%lld.%09ld|%lld.%09ld",
                 driver, id, (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
                 (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                 (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
    rw_sha256_update(&c, root, strlen(root) + 1);
    rw_sha256_update(&c, meta, (size_t)(n > 0 ? n : 0));
    rw_sha256_final(&c, out);
}

/* The image record: from the index cache when images.json has not changed since, else by
 * scanning images.json. */
static int load_image(const rw_trust_opts_t *o, int rootfd, rw_trust_subject_t *s,
                      const char *image_id, rw_error_t **err)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s-images", s->driver);
    cleanup_close int dfd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT)
            return set_unknown(s, "%s/%s does not exist", s->graphroot, dir);
        return rw_error_setsys(err, errno, "%s/%s: cannot open", s->graphroot, dir);
    }
    /* Only the file's identity is needed to find its record in the index cache. */
    struct stat st;
    if (fstatat(dfd, "images.json", &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return set_unknown(s, "%s/%s/images.json does not exist", s->graphroot, dir);
        return rw_error_setsys(err, errno, "%s/%s/images.json: cannot stat", s->graphroot, dir);
    }
    if (!S_ISREG(st.st_mode))
        return rw_error_set(err, EINVAL, "%s/%s/images.json: not a regular file", s->graphroot,
                            dir);
    cleanup_close int cfd = -1;
    uint8_t key[RW_SHA256_LEN];
    const char *why = NULL;
    if (!o->no_cache && !o->no_index_cache && o->cfg->cache_dir)
        cfd = rw_trust_cache_open(o->cfg->cache_dir, !o->no_cache_write, &why);
    if (cfd >= 0) {
        image_index_key(s->graphroot, s->driver, image_id, &st, key);
        cleanup_json json_t *cached = NULL;
        rw_error_t *e = NULL;
        if (rw_trust_cache_get(cfd, "i-", key, &cached) == 1 &&
            rw_trust_image_rec_parse(cached, "cache", &s->image, &e) == 0 &&
            strcmp(s->image.id, image_id) == 0) {
            s->have_image = s->image_from_cache = true;
            return 0;
        }
        rw_error_free(e);
        rw_trust_image_rec_clear(&s->image);
    }
    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s/images.json", s->graphroot, dir);
    int r = rw_file_read_at(dfd, "images.json", RW_TRUST_STORAGE_JSON_MAX, &buf, &len, NULL, &e);
    if (r < 0) {
        rw_error_set(err, -r, "%s: %s", path, e ? e->msg : "cannot read");
        rw_error_free(e);
        return r;
    }
    rw_error_free(e);
    r = rw_trust_images_find(buf, len, path, image_id, &s->image, err);
    if (r < 0)
        return r;
    if (r == 0)
        return set_unknown(s, "image %.12s is not in %s", image_id, path);
    s->have_image = true;
    if (cfd >= 0 && !o->no_cache_write) {
        cleanup_json json_t *j = rw_trust_image_rec_to_json(&s->image);
        if (j)
            rw_trust_cache_put(cfd, "i-", key, j,
                               o->cfg->cache_ttl > 0 ? o->cfg->cache_ttl : 86400);
    }
    return 0;
}

int rw_trust_image_dir(rw_trust_subject_t *s, rw_error_t **err)
{
    if (s->image_dirfd >= 0)
        return s->image_dirfd;
    cleanup_close int rootfd = open_root(s->graphroot, err);
    if (rootfd < 0)
        return rootfd;
    /* Two components, each refused if it is a link. */
    char first[128];
    snprintf(first, sizeof(first), "%s-images", s->driver);
    cleanup_close int d1 = openat(rootfd, first, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d1 < 0)
        return rw_error_setsys(err, errno, "%s/%s: cannot open", s->graphroot, first);
    int d2 = openat(d1, s->image.id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d2 < 0)
        return rw_error_setsys(err, errno, "%s/%s/%s: cannot open", s->graphroot, first,
                               s->image.id);
    s->image_dirfd = d2;
    return d2;
}

/* The image's manifest: big data "manifest", else "manifest-<digest>". */
static int load_manifest(rw_trust_subject_t *s, rw_error_t **err)
{
    int dfd = rw_trust_image_dir(s, err);
    if (dfd < 0)
        return dfd;
    const char *keys[2] = {"manifest", NULL};
    cleanup_free char *alt = NULL;
    if (s->image.digest && asprintf(&alt, "manifest-%s", s->image.digest) >= 0)
        keys[1] = alt;
    for (size_t i = 0; i < 2 && keys[i]; i++) {
        cleanup_free char *fn = rw_trust_bigdata_filename(keys[i]);
        if (!fn)
            return -ENOMEM;
        cleanup_free char *buf = NULL;
        size_t len = 0;
        rw_error_t *e = NULL;
        int r = rw_file_read_at(dfd, fn, RW_TRUST_MANIFEST_MAX, &buf, &len, NULL, &e);
        if (r == -ENOENT) {
            rw_error_free(e);
            continue;
        }
        if (r < 0) {
            rw_error_set(err, -r, "image %.12s: manifest: %s", s->image.id,
                         e ? e->msg : "cannot read");
            rw_error_free(e);
            return r;
        }
        rw_error_free(e);
        uint8_t d[RW_SHA256_LEN];
        char hex[RW_SHA256_HEX_LEN + 1];
        rw_sha256(buf, len, d);
        rw_hex(d, sizeof(d), hex);
        if (asprintf(&s->manifest_digest, "sha256:%s", hex) < 0) {
            s->manifest_digest = NULL;
            return -ENOMEM;
        }
        s->manifest = (uint8_t *)TAKE_PTR(buf);
        s->manifest_len = len;
        return 0;
    }
    return 0; /* no manifest: signatures cannot match anything */
}

/* Finds a container in <root>/<driver>-containers/{containers,volatile-containers}.json. */
static int find_container(int rootfd, const char *root, const char *driver, const char *id,
                          rw_trust_container_rec_t *rec, bool *store_exists, rw_error_t **err)
{
    static const char *const files[] = {"containers.json", "volatile-containers.json"};
    *store_exists = false;
    for (size_t i = 0; i < RW_ARRAY_SIZE(files); i++) {
        cleanup_free char *buf = NULL;
        size_t len = 0;
        int r =
            read_store_file(rootfd, root, driver, "containers", files[i], &buf, &len, NULL, err);
        if (r == -ENOENT)
            continue;
        if (r < 0)
            return r;
        *store_exists = true;
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s-containers/%s", root, driver, files[i]);
        r = rw_trust_containers_find(buf, len, path, id, rec, err);
        if (r != 0)
            return r;
    }
    return 0;
}

/* Given graph root, driver and container id, fills the subject from storage. */
static int from_store(const rw_trust_opts_t *o, rw_trust_subject_t *s, bool *found,
                      rw_error_t **err)
{
    *found = false;
    cleanup_close int rootfd = open(s->graphroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return errno == ENOENT
                   ? 0
                   : rw_error_setsys(err, errno, "graph root %s: cannot open", s->graphroot);
    rw_trust_container_rec_t rec = {0};
    bool exists = false;
    int r = find_container(rootfd, s->graphroot, s->driver, s->container_id, &rec, &exists, err);
    if (r <= 0)
        return r;
    *found = true;
    s->source = RW_TRUST_SRC_STORAGE;
    s->requested = TAKE_PTR(rec.image_name);
    if (!rec.image[0]) {
        rw_trust_container_rec_clear(&rec);
        return set_unknown(s,
                           "container %.12s was not created from an image (a rootfs "
                           "container)",
                           s->container_id);
    }
    char image_id[65];
    snprintf(image_id, sizeof(image_id), "%s", rec.image);
    rw_trust_container_rec_clear(&rec);
    if ((r = load_image(o, rootfd, s, image_id, err)) < 0)
        return r;
    if (s->source == RW_TRUST_SRC_UNKNOWN && !s->have_image) {
        /* The container lives under a run root (CRI-O bundles, transient stores) whose
         * image store is the configured graph root's. */
        cleanup_free char *droot = NULL, *ddrv = NULL;
        if ((r = storage_defaults(o->cfg, &droot, &ddrv, err)) < 0)
            return r;
        if (strcmp(droot, s->graphroot) != 0) {
            cleanup_close int dfd = open(droot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                free(s->graphroot);
                s->graphroot = TAKE_PTR(droot);
                s->source = RW_TRUST_SRC_STORAGE;
                free(s->why_unknown);
                s->why_unknown = NULL;
                if ((r = load_image(o, dfd, s, image_id, err)) < 0)
                    return r;
            }
        }
    }
    if (s->source == RW_TRUST_SRC_UNKNOWN)
        return 0;
    return load_manifest(s, err);
}

static int from_annotations(rw_trust_subject_t *s, const rw_spec_t *spec)
{
    static const char *const keys[] = {RW_TRUST_ANNOT_CRI, RW_TRUST_ANNOT_CRIO, NULL};
    for (const char *const *k = keys; spec && *k; k++) {
        const char *v = rw_spec_annotation(spec, *k);
        if (!v || !*v)
            continue;
        s->source = RW_TRUST_SRC_ANNOTATION;
        s->annotation = *k;
        if (!(s->requested = strdup(v)))
            return -ENOMEM;
        /* A digest in the name is the engine's word for the manifest digest. */
        const char *at = strrchr(v, '@');
        if (at && rw_trust_digest_valid(at + 1) && !(s->manifest_digest = strdup(at + 1)))
            return -ENOMEM;
        return 1;
    }
    return 0;
}

int rw_trust_identify_container(const rw_trust_opts_t *o, const char *bundle,
                                const char *container_id, const rw_spec_t *spec,
                                rw_trust_subject_t *out, rw_error_t **err)
{
    subject_init(out);
    cleanup_free char *root = NULL, *driver = NULL, *id = NULL;
    int r = bundle ? rw_trust_bundle_shape(bundle, &root, &driver, &id) : 0;
    if (r < 0)
        return r;
    if (r > 0) {
        out->graphroot = TAKE_PTR(root);
        out->driver = TAKE_PTR(driver);
        out->container_id = TAKE_PTR(id);
        bool found = false;
        if ((r = from_store(o, out, &found, err)) < 0 || found)
            return r;
        /* CRI-O keeps bundles under the run root: look in the configured graph root. */
        cleanup_free char *droot = NULL, *ddrv = NULL;
        if ((r = storage_defaults(o->cfg, &droot, &ddrv, err)) < 0)
            return r;
        if (strcmp(droot, out->graphroot) != 0) {
            free(out->graphroot);
            out->graphroot = TAKE_PTR(droot);
            if (ddrv) {
                free(out->driver);
                out->driver = TAKE_PTR(ddrv);
            }
            if ((r = from_store(o, out, &found, err)) < 0 || found)
                return r;
        }
    } else if (container_id && rw_trust_is_hex_id(container_id, strlen(container_id))) {
        /* Not storage-shaped: a CRI-O or podman container may still be in the store. */
        cleanup_free char *droot = NULL, *ddrv = NULL;
        if ((r = storage_defaults(o->cfg, &droot, &ddrv, err)) < 0)
            return r;
        if (!ddrv)
            ddrv = probe_driver(droot);
        if (ddrv) {
            out->graphroot = TAKE_PTR(droot);
            out->driver = TAKE_PTR(ddrv);
            if (!(out->container_id = strdup(container_id)))
                return -ENOMEM;
            bool found = false;
            if ((r = from_store(o, out, &found, err)) < 0 || found)
                return r;
        }
    }
    if ((r = from_annotations(out, spec)) != 0)
        return r < 0 ? r : 0;
    return set_unknown(out, "the bundle is not in containers/storage, the container is not in "
                            "the configured store, and no image annotation names the image");
}

static int store_for_cli(const rw_trust_opts_t *o, const char *graphroot, const char *driver,
                         rw_trust_subject_t *out, rw_error_t **err)
{
    cleanup_free char *droot = NULL, *ddrv = NULL;
    int r = storage_defaults(o->cfg, &droot, &ddrv, err);
    if (r < 0)
        return r;
    out->graphroot = strdup(graphroot ? graphroot : droot);
    if (!out->graphroot)
        return -ENOMEM;
    if (driver)
        out->driver = strdup(driver);
    else if (ddrv && !graphroot)
        out->driver = TAKE_PTR(ddrv);
    else
        out->driver = probe_driver(out->graphroot);
    if (!out->driver)
        return rw_error_set(err, ENOENT,
                            "%s: no containers/storage driver directory "
                            "(<driver>-images) here; pass --driver",
                            out->graphroot);
    return 0;
}

int rw_trust_identify_store_container(const rw_trust_opts_t *o, const char *graphroot,
                                      const char *driver, const char *container_id,
                                      rw_trust_subject_t *out, rw_error_t **err)
{
    subject_init(out);
    int r = store_for_cli(o, graphroot, driver, out, err);
    if (r < 0)
        return r;
    if (!(out->container_id = strdup(container_id)))
        return -ENOMEM;
    if (!rw_trust_is_hex_id(container_id, strlen(container_id)))
        return rw_error_set(err, EINVAL,
                            "%s: a container ID is 64 hexadecimal characters "
                            "(podman ps --no-trunc)",
                            container_id);
    bool found = false;
    if ((r = from_store(o, out, &found, err)) < 0)
        return r;
    if (!found)
        return set_unknown(out, "container %.12s is not in %s/%s-containers", container_id,
                           out->graphroot, out->driver);
    return 0;
}

int rw_trust_identify_ref(const rw_trust_opts_t *o, const char *graphroot, const char *driver,
                          const char *ref, rw_trust_subject_t *out, rw_error_t **err)
{
    subject_init(out);
    int r = store_for_cli(o, graphroot, driver, out, err);
    if (r < 0)
        return r;
    cleanup_close int rootfd = open_root(out->graphroot, err);
    if (rootfd < 0)
        return rootfd;
    out->source = RW_TRUST_SRC_STORAGE;
    if (rw_trust_is_hex_id(ref, strlen(ref))) {
        if ((r = load_image(o, rootfd, out, ref, err)) < 0 || out->source == RW_TRUST_SRC_UNKNOWN)
            return r;
        return load_manifest(out, err);
    }
    cleanup_free char *buf = NULL;
    size_t len = 0;
    r = read_store_file(rootfd, out->graphroot, out->driver, "images", "images.json", &buf, &len,
                        NULL, err);
    if (r == -ENOENT)
        return set_unknown(out, "%s/%s-images/images.json does not exist", out->graphroot,
                           out->driver);
    if (r < 0)
        return r;
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s-images/images.json", out->graphroot, out->driver);
    /* The name as typed, then its normalised form (busybox -> docker.io/library/busybox:latest). */
    r = rw_trust_images_find_name(buf, len, path, ref, &out->image, err);
    rw_trust_ref_t norm = {0};
    if (r == 0 && rw_trust_ref_parse_normalized(ref, &norm, NULL) == 0 &&
        rw_trust_ref_tag_name_only(&norm) == 0) {
        r = rw_trust_images_find_name(buf, len, path, norm.string, &out->image, err);
        if (r > 0 && !(out->requested = strdup(norm.string)))
            r = -ENOMEM;
    } else if (r > 0 && !(out->requested = strdup(ref))) {
        r = -ENOMEM;
    }
    rw_trust_ref_clear(&norm);
    if (r < 0)
        return r;
    if (r == 0)
        return set_unknown(out, "no image named %s in %s", ref, path);
    out->have_image = true;
    return load_manifest(out, err);
}

json_t *rw_trust_subject_json(const rw_trust_subject_t *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    static const char *const src[] = {"unknown", "storage", "annotation"};
    json_object_set_new(o, "source", json_string(src[s->source]));
    if (s->why_unknown)
        json_object_set_new(o, "why", json_string(s->why_unknown));
    if (s->annotation)
        json_object_set_new(o, "annotation", json_string(s->annotation));
    if (s->graphroot)
        json_object_set_new(o, "graphroot", json_string(s->graphroot));
    if (s->driver)
        json_object_set_new(o, "driver", json_string(s->driver));
    if (s->container_id)
        json_object_set_new(o, "container", json_string(s->container_id));
    if (s->requested)
        json_object_set_new(o, "requestedName", json_string(s->requested));
    if (s->have_image) {
        json_object_set_new(o, "id", json_string(s->image.id));
        json_t *n = json_array();
        for (char **p = s->image.names; n && p && *p; p++)
            json_array_append_new(n, json_string(*p));
        json_object_set_new(o, "names", n);
    }
    if (s->manifest_digest)
        json_object_set_new(o, "manifestDigest", json_string(s->manifest_digest));
    return o;
}
