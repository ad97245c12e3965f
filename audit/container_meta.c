/* Names, engine and image of a container. Every source is untrusted: storage files are
 * opened without following links, size-capped and parsed strictly; annotation values are
 * recorded, never interpreted. */
#include "container_meta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "jsonstr.h"
#include "runtime_state.h"

static void set_str(char **slot, const char *v)
{
    if (!*slot && v && *v)
        *slot = strndup(v, 4096);
}

static bool is_hex_id(const char *s, size_t len)
{
    if (len != 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Reads dir/<name> (no links, regular, capped) and parses it. */
static json_t *read_json_at(int dirfd, const char *name, size_t cap)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(dirfd, name, cap, &buf, &len, NULL, &e);
    rw_error_free(e);
    if (r < 0)
        return NULL;
    e = NULL;
    json_t *j = rw_json_parse(buf, len, name, &e);
    rw_error_free(e);
    return j;
}

static void image_digest_from_images(int graphfd, const char *driver, const char *image_id,
                                     size_t cap, rw_audit_container_t *out)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s-images", driver);
    cleanup_close int dfd = openat(graphfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return;
    cleanup_json json_t *imgs = read_json_at(dfd, "images.json", cap);
    if (!json_is_array(imgs))
        return;
    size_t i;
    json_t *img;
    json_array_foreach(imgs, i, img)
    {
        json_t *id = json_object_get(img, "id");
        if (!json_is_string(id) || strcmp(json_string_value(id), image_id) != 0)
            continue;
        json_t *d = json_object_get(img, "digest");
        if (json_is_string(d))
            set_str(&out->image_digest, json_string_value(d));
        json_t *names = json_object_get(img, "names");
        if (json_is_array(names) && json_is_string(json_array_get(names, 0)))
            set_str(&out->image_name, json_string_value(json_array_get(names, 0)));
        return;
    }
}

int rw_audit_podman_storage_lookup(const char *bundle, const char *id, size_t cap,
                                   rw_audit_container_t *out)
{
    if (!bundle || bundle[0] != '/')
        return 0;
    /* .../<graphroot>/<driver>-containers/<id>/userdata */
    size_t bl = strlen(bundle);
    while (bl > 1 && bundle[bl - 1] == '/')
        bl--;
    static const char ud[] = "/userdata";
    if (bl < sizeof(ud) || memcmp(bundle + bl - (sizeof(ud) - 1), ud, sizeof(ud) - 1) != 0)
        return 0;
    size_t idend = bl - (sizeof(ud) - 1);
    const char *idstart = memrchr(bundle, '/', idend);
    if (!idstart)
        return 0;
    idstart++;
    size_t idlen = (size_t)(bundle + idend - idstart);
    if (!is_hex_id(idstart, idlen))
        return 0;
    if (id && strlen(id) == 64 && strncmp(id, idstart, 64) != 0)
        return 0; /* the bundle belongs to another container */
    size_t cdir_end = (size_t)(idstart - 1 - bundle);
    const char *cdir = memrchr(bundle, '/', cdir_end);
    if (!cdir)
        return 0;
    cdir++;
    size_t cdlen = (size_t)(bundle + cdir_end - cdir);
    static const char suffix[] = "-containers";
    if (cdlen <= sizeof(suffix) - 1 || cdlen > 200 ||
        memcmp(cdir + cdlen - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) != 0)
        return 0;
    cleanup_free char *graph = strndup(bundle, (size_t)(cdir - 1 - bundle));
    cleanup_free char *cdname = strndup(cdir, cdlen);
    cleanup_free char *driver = strndup(cdir, cdlen - (sizeof(suffix) - 1));
    char idbuf[65];
    memcpy(idbuf, idstart, 64);
    idbuf[64] = '\0';
    if (!graph || !cdname || !driver)
        return -ENOMEM;
    cleanup_close int gfd = open(graph[0] ? graph : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (gfd < 0)
        return 0;
    cleanup_close int cfd = openat(gfd, cdname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (cfd < 0)
        return 0;
    cleanup_json json_t *all = read_json_at(cfd, "containers.json", cap);
    if (!json_is_array(all))
        return 0;
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c)
    {
        json_t *cid = json_object_get(c, "id");
        if (!json_is_string(cid) || strcmp(json_string_value(cid), idbuf) != 0)
            continue;
        json_t *names = json_object_get(c, "names");
        if (json_is_array(names) && json_is_string(json_array_get(names, 0)) && !out->name) {
            set_str(&out->name, json_string_value(json_array_get(names, 0)));
            out->name_source = "podman-storage";
        }
        json_t *img = json_object_get(c, "image");
        if (json_is_string(img) && !out->image_id) {
            set_str(&out->image_id, json_string_value(img));
            out->image_source = "podman-storage";
        }
        json_t *md = json_object_get(c, "metadata");
        if (json_is_string(md)) {
            rw_error_t *e = NULL;
            cleanup_json json_t *m =
                rw_json_parse(json_string_value(md), strlen(json_string_value(md)), "metadata", &e);
            rw_error_free(e);
            json_t *in = m ? json_object_get(m, "image-name") : NULL;
            if (json_is_string(in))
                set_str(&out->image_name, json_string_value(in));
            json_t *pn = m ? json_object_get(m, "pod-name") : NULL;
            if (json_is_string(pn))
                set_str(&out->pod_name, json_string_value(pn));
        }
        if (out->image_id && !out->image_digest)
            image_digest_from_images(gfd, driver, out->image_id, cap, out);
        return 1;
    }
    return 0;
}

/* Annotations as a JSON object: config.json's for create, the runtime state's for exec. */
static const char *annot(const json_t *annotations, const char *key)
{
    json_t *v = annotations ? json_object_get(annotations, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const json_t *spec_annotations(const rw_spec_t *spec)
{
    static const char *const keys[] = {"annotations", NULL};
    return spec ? rw_spec_get(spec, keys) : NULL;
}

/* name, pod and image from the annotations each engine sets */
static void from_annotations(const json_t *ann, rw_audit_container_t *out)
{
    static const char *const name_keys[] = {"io.kubernetes.cri.container-name", /* containerd CRI */
                                            "io.kubernetes.container.name",     /* CRI-O */
                                            "nerdctl/name", "io.podman.annotations.name", NULL};
    for (const char *const *k = name_keys; *k && !out->name; k++) {
        const char *v = annot(ann, *k);
        if (v && *v) {
            set_str(&out->name, v);
            out->name_source = *k;
        }
    }
    const char *v;
    if ((v = annot(ann, "io.kubernetes.cri.sandbox-name")) ||
        (v = annot(ann, "io.kubernetes.pod.name")))
        set_str(&out->pod_name, v);
    if ((v = annot(ann, "io.kubernetes.cri.sandbox-namespace")) ||
        (v = annot(ann, "io.kubernetes.pod.namespace")))
        set_str(&out->pod_namespace, v);
    static const char *const image_keys[] = {"io.kubernetes.cri.image-name",
                                             "io.kubernetes.cri-o.ImageName",
                                             "org.opencontainers.image.ref.name", NULL};
    for (const char *const *k = image_keys; *k && !out->image_name; k++)
        if ((v = annot(ann, *k)) && *v) {
            set_str(&out->image_name, v);
            out->image_source = "annotation";
        }
    if ((v = annot(ann, "io.kubernetes.cri-o.ImageRef")) && *v) {
        if (strncmp(v, "sha256:", 7) == 0 && !out->image_id)
            set_str(&out->image_id, v + 7);
    }
}

/* The value following flag in a NUL-separated cmdline. */
static const char *cmdline_arg(const char *buf, size_t len, const char *flag)
{
    for (size_t off = 0; off < len;) {
        const char *a = buf + off;
        size_t al = strlen(a);
        if (strcmp(a, flag) == 0 && off + al + 1 < len)
            return a + al + 1;
        off += al + 1;
    }
    return NULL;
}

static size_t cmdline_len(pid_t pid, char **ret)
{
    char path[40];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    *ret = NULL;
    if (fd < 0)
        return 0;
    char *buf = calloc(1, 8193);
    if (!buf)
        return 0;
    size_t len = 0;
    ssize_t n;
    while (len < 8192 && (n = read(fd, buf + len, 8192 - len)) > 0)
        len += (size_t)n;
    *ret = buf;
    return len;
}

__attribute__((format(printf, 3, 4))) static void
set_engine(rw_audit_container_t *out, const char *engine, const char *fmt, ...)
{
    if (out->engine)
        return;
    out->engine = strdup(engine);
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&out->engine_evidence, fmt, ap) < 0)
        out->engine_evidence = NULL;
    va_end(ap);
}

static void engine_detect(const json_t *ann, const rw_identity_t *who, rw_audit_container_t *out)
{
    const char *mgr = annot(ann, "io.container.manager");
    bool crio = annot(ann, "io.kubernetes.cri-o.SandboxID") ||
                annot(ann, "io.kubernetes.cri-o.ContainerType");
    bool cri = annot(ann, "io.kubernetes.cri.container-type") ||
               annot(ann, "io.kubernetes.cri.sandbox-id");
    if (mgr && strcmp(mgr, "libpod") == 0)
        set_engine(out, "podman", "annotation io.container.manager=%s", mgr);
    else if (crio)
        set_engine(out, "cri-o", "annotations io.kubernetes.cri-o.*");
    else if (cri)
        set_engine(out, "containerd", "annotations io.kubernetes.cri.*");
    else if (annot(ann, "nerdctl/name") || annot(ann, "nerdctl/namespace"))
        set_engine(out, "containerd", "annotations nerdctl/*");
    for (size_t i = 0; who && i < who->n_chain; i++) {
        const rw_identity_proc_t *p = &who->chain[i];
        const char *comm = p->comm ? p->comm : "";
        if (strcmp(comm, "conmon") == 0) {
            /* conmon runs for podman and CRI-O; conmon daemonises, so look further up */
            const char *e = "podman";
            for (size_t j = i + 1; j < who->n_chain; j++)
                if (who->chain[j].comm && strcmp(who->chain[j].comm, "crio") == 0)
                    e = "cri-o";
            set_engine(out, e, "parent %s (pid %ld)", comm, (long)p->pid);
            /* conmon -n names the container (podman and CRI-O both pass it) */
            cleanup_free char *cl = NULL;
            size_t len = cmdline_len(p->pid, &cl);
            const char *n = cl ? cmdline_arg(cl, len, "-n") : NULL;
            if (!n && cl)
                n = cmdline_arg(cl, len, "--name");
            if (n && *n && !out->name) {
                set_str(&out->name, n);
                out->name_source = "conmon";
            }
        } else if (strncmp(comm, "containerd-shim", 15) == 0) {
            cleanup_free char *cl = NULL;
            size_t len = cmdline_len(p->pid, &cl);
            const char *ns = cl ? cmdline_arg(cl, len, "-namespace") : NULL;
            if (ns && strcmp(ns, "moby") == 0)
                set_engine(out, "docker", "parent %s -namespace moby (pid %ld)", comm,
                           (long)p->pid);
            else
                set_engine(out, "containerd", "parent %s (pid %ld)", comm, (long)p->pid);
        } else if (strcmp(comm, "dockerd") == 0 || strcmp(comm, "crio") == 0 ||
                   strcmp(comm, "podman") == 0 || strcmp(comm, "containerd") == 0) {
            set_engine(out,
                       strcmp(comm, "dockerd") == 0 ? "docker"
                       : strcmp(comm, "crio") == 0  ? "cri-o"
                                                    : comm,
                       "ancestor %s (pid %ld)", comm, (long)p->pid);
        }
    }
    if (!out->engine) {
        if (who && who->n_chain)
            set_engine(out, "direct", "no engine among the parent processes");
        else
            set_engine(out, "unknown", "process chain unreadable");
    }
}

void rw_audit_engine_detect(const rw_spec_t *spec, const rw_identity_t *who,
                            rw_audit_container_t *out)
{
    engine_detect(spec_annotations(spec), who, out);
}

static int collect(const char *id, const char *bundle, const json_t *annotations,
                   const rw_identity_t *who, bool podman_storage, rw_audit_container_t *out)
{
    if (id && !out->id && !(out->id = strndup(id, 1024)))
        return -ENOMEM;
    /* first source wins: podman's storage, then annotations, then conmon's -n */
    if (podman_storage && bundle) {
        int r = rw_audit_podman_storage_lookup(bundle, id, RW_AUDIT_STORAGE_MAX, out);
        if (r < 0)
            return r;
    }
    from_annotations(annotations, out);
    engine_detect(annotations, who, out);
    return 0;
}

int rw_audit_container_collect(const char *id, const char *bundle, const rw_spec_t *spec,
                               const rw_identity_t *who, bool podman_storage,
                               rw_audit_container_t *out)
{
    memset(out, 0, sizeof(*out));
    return collect(id, bundle, spec_annotations(spec), who, podman_storage, out);
}

int rw_audit_container_collect_exec(const char *id, const char *root, const char *runtime_path,
                                    const rw_identity_t *who, bool podman_storage,
                                    rw_audit_container_t *out)
{
    memset(out, 0, sizeof(*out));
    rw_audit_runtime_state_t st;
    int r = rw_audit_runtime_state_read(root, runtime_path, id, &st);
    if (r < 0)
        return r;
    r = collect(id, st.bundle, st.annotations, who, podman_storage, out);
    if (r >= 0 && st.bundle) {
        out->bundle = TAKE_PTR(st.bundle);
        /* the same facts as the create record, found through the runtime's state */
        if (out->image_source && strcmp(out->image_source, "podman-storage") == 0)
            out->image_source = "runtime-state+podman-storage";
        else if (out->image_source && st.from && strcmp(st.from, "bundle config.json") == 0)
            out->image_source = "runtime-state+bundle-annotation"; /* editable after create */
        else if (out->image_source)
            out->image_source = "runtime-state+annotation";
    }
    rw_audit_runtime_state_clear(&st);
    return r;
}

void rw_audit_container_clear(rw_audit_container_t *c)
{
    if (!c)
        return;
    free(c->id);
    free(c->name);
    free(c->engine);
    free(c->engine_evidence);
    free(c->image_name);
    free(c->image_id);
    free(c->image_digest);
    free(c->pod_name);
    free(c->pod_namespace);
    free(c->bundle);
    memset(c, 0, sizeof(*c));
}

json_t *rw_audit_container_json(const rw_audit_container_t *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", rw_audit_jstr(c->id));
    json_object_set_new(o, "name", rw_audit_jstr(c->name));
    json_object_set_new(o, "name_source", rw_audit_jstr(c->name_source));
    json_object_set_new(o, "pod", rw_audit_jstr(c->pod_name));
    json_object_set_new(o, "namespace", rw_audit_jstr(c->pod_namespace));
    return o;
}

json_t *rw_audit_image_json(const rw_audit_container_t *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "name", rw_audit_jstr(c->image_name));
    json_object_set_new(o, "id", rw_audit_jstr(c->image_id));
    json_object_set_new(o, "digest", rw_audit_jstr(c->image_digest));
    json_object_set_new(o, "source", rw_audit_jstr(c->image_source));
    return o;
}
