/* runwarden-bpf: entry point of the helper that owns every libbpf call. Started by the
 * createRuntime hook when the host part must be loaded first (attach), by `runwarden audit
 * follow`, and by operators (status, gc, release, unload).
 * Exit codes: 0 done, 1 refused or failed, 2 usage. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../common/cleanup.h"
#include "../../common/json.h"
#include "bpf_helper.h"

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG || (!verbose && level == LIBBPF_INFO))
        return 0;
    if (!verbose)
        return 0; /* failures are reported by us, once, in our words */
    return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: runwarden-bpf load [--config FILE]\n"
               "       runwarden-bpf attach --id ID --pid PID [--tenant T] [--config FILE]\n"
               "       runwarden-bpf release --id ID [--config FILE]\n"
               "       runwarden-bpf follow [--container ID] [--json] [--config FILE]\n"
               "       runwarden-bpf status [--config FILE]\n"
               "       runwarden-bpf gc [--config FILE]\n"
               "       runwarden-bpf unload [--force] [--config FILE]\n");
}

typedef struct opts {
    const char *id, *tenant, *config, *container;
    long pid;
    bool json, force;
} opts_t;

static int parse(int argc, char **argv, opts_t *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--force") == 0) {
            o->force = true;
        } else if (strcmp(a, "--verbose") == 0) {
            verbose = true;
        } else if (!v) {
            return -EINVAL;
        } else if (strcmp(a, "--id") == 0) {
            o->id = v, i++;
        } else if (strcmp(a, "--tenant") == 0) {
            o->tenant = v, i++;
        } else if (strcmp(a, "--config") == 0) {
            o->config = v, i++;
        } else if (strcmp(a, "--container") == 0) {
            o->container = v, i++;
        } else if (strcmp(a, "--pid") == 0) {
            char *end = NULL;
            errno = 0;
            o->pid = strtol(v, &end, 10);
            if (errno || *end || o->pid <= 0 || o->pid > INT_MAX)
                return -EINVAL;
            i++;
        } else {
            return -EINVAL;
        }
    }
    return 0;
}

static int status(rw_bpf_ctx_t *c)
{
    cleanup_close int tfd = rw_bpf_pinned_map(c, "rw_tracked", NULL);
    cleanup_close int cfd = rw_bpf_pinned_map(c, "rw_counters", NULL);
    json_t *out = json_pack("{s:s,s:b,s:o}", "pinDir", c->ec.pin_dir, "loaded", tfd >= 0,
                            "containers", json_array());
    if (!out)
        return -ENOMEM;
    json_t *arr = json_object_get(out, "containers");
    uint64_t key = 0, next = 0;
    void *prev = NULL;
    while (tfd >= 0 && bpf_map_get_next_key(tfd, prev, &next) == 0) {
        struct rw_bpf_tracked t;
        struct rw_bpf_counters k;
        memset(&k, 0, sizeof(k));
        if (bpf_map_lookup_elem(tfd, &next, &t) == 0) {
            t.id[sizeof(t.id) - 1] = '\0';
            bool have = cfd >= 0 && bpf_map_lookup_elem(cfd, &next, &k) == 0;
            json_t *cj = json_pack("{s:s,s:I}", "id", t.id, "cgroupId", (json_int_t)next);
            if (cj && have) {
                json_t *n = json_object();
                for (unsigned i = 1; i < RW_BPF_EV_KIND_MAX; i++)
                    json_object_set_new(n, rw_bpf_kind_name(i), json_integer((json_int_t)k.n[i]));
                json_object_set_new(n, "refused", json_integer((json_int_t)k.refused));
                json_object_set_new(n, "lost", json_integer((json_int_t)k.lost));
                json_object_set_new(cj, "counters", n);
            }
            json_array_append_new(arr, cj);
        }
        key = next;
        prev = &key;
    }
    char *s = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    opts_t o;
    memset(&o, 0, sizeof(o));
    if (parse(argc, argv, &o) < 0) {
        usage(stderr);
        return 2;
    }
    libbpf_set_print(print_libbpf);

    rw_bpf_ctx_t c;
    memset(&c, 0, sizeof(c));
    rw_error_t *err = NULL;
    int r =
        o.config ? rw_config_load_file(o.config, true, &c.cfg, &err) : rw_config_load(&c.cfg, &err);
    if (r >= 0)
        r = rw_config_ebpf_parse(c.cfg->ebpf, c.cfg->path, &c.ec, &err);
    if (r < 0) {
        fprintf(stderr, "runwarden: %s: ebpf: cannot read the configuration: %s\n",
                strcmp(cmd, "attach") == 0 ? "refused" : "error", err ? err->msg : "error");
        rw_error_free(err);
        rw_config_free(c.cfg);
        return 1;
    }

    int rc = 0;
    if (strcmp(cmd, "load") == 0) {
        /* the host part, for runwarden's create path (which then needs no hook) */
        cleanup_json json_t *facts = json_object();
        cleanup_close int lock = rw_bpf_lock(&c, RW_BPF_LOCK_HOST, true, &err);
        r = !facts ? -ENOMEM : lock < 0 ? lock : rw_bpf_host_ensure(&c, facts, &err);
        if (r < 0) {
            fprintf(stderr, "runwarden: error: ebpf: %s\n", err ? err->msg : strerror(-r));
            rc = 1;
        }
    } else if (strcmp(cmd, "attach") == 0 && o.id && o.pid > 0) {
        r = rw_bpf_attach(&c, o.id, (pid_t)o.pid, o.tenant, rw_bpf_host_ensure_pins, &err);
        if (r < 0) {
            fprintf(stderr, "runwarden: refused: %s\n", err ? err->msg : strerror(-r));
            rc = 1;
        } else if (r > 0) {
            fprintf(stderr, "runwarden: warning: %s\n", err ? err->msg : "not attached");
        }
    } else if (strcmp(cmd, "release") == 0 && o.id) {
        r = rw_bpf_release(&c, o.id, &err);
        if (r < 0) {
            fprintf(stderr, "runwarden: error: ebpf: release %s: %s\n", o.id,
                    err ? err->msg : strerror(-r));
            rc = 1;
        }
    } else if (strcmp(cmd, "follow") == 0) {
        r = rw_bpf_follow(&c, o.container, o.json, &err);
        if (r < 0) {
            fprintf(stderr, "runwarden: error: audit follow: %s\n", err ? err->msg : strerror(-r));
            rc = 1;
        }
    } else if (strcmp(cmd, "gc") == 0) {
        int gone = 0;
        rw_bpf_gc(&c, &gone);
        printf("released %d stale container(s)\n", gone);
    } else if (strcmp(cmd, "status") == 0) {
        rc = status(&c) < 0 ? 1 : 0;
    } else if (strcmp(cmd, "unload") == 0) {
        cleanup_close int tfd = rw_bpf_pinned_map(&c, "rw_tracked", NULL);
        uint64_t k = 0;
        if (!o.force && tfd >= 0 && bpf_map_get_next_key(tfd, NULL, &k) == 0) {
            fprintf(stderr, "runwarden: error: ebpf: containers are still tracked (see "
                            "`runwarden-bpf status`); use --force to unload anyway\n");
            rc = 1;
        } else if (rw_bpf_host_unload(&c, &err) < 0) {
            fprintf(stderr, "runwarden: error: ebpf: %s\n", err ? err->msg : "unload failed");
            rc = 1;
        }
    } else {
        usage(stderr);
        rc = 2;
    }
    rw_error_free(err);
    rw_config_ebpf_clear(&c.ec);
    rw_config_free(c.cfg);
    return rc;
}
