/* `runwarden seccomp compile|explain|test|resolve`: the site's seccomp profiles as runwarden
 * enforces them. A profile is resolved for a container (capabilities, architecture), compiled
 * as crun would, and `test` runs the program in runwarden's own BPF interpreter. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "../profiles/seccomp_bpf.h"
#include "../profiles/seccomp_cache.h"
#include "../profiles/seccomp_equiv.h"
#include "../profiles/seccomp_oci.h"
#include "../profiles/seccomp_profile.h"
#include "../profiles/seccomp_resolve.h"
#include "../profiles/seccomp_systable.h"
#include "commands.h"

#define MAX_CAPS 64
#define INPUT_MAX_SIZE (16u << 20)

typedef struct opts {
    const char *sub, *input, *input2, *out, *arch_name, *abi_name, *bpf_file, *cache_dir, *kernel,
        *syscall;
    char *caps[MAX_CAPS + 1];
    size_t n_caps;
    bool no_caps, moby, oci, json, no_optimize, fail_unknown, batch;
    uint64_t args[RW_SECCOMP_MAX_ARGS];
} opts_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: runwarden seccomp compile PROFILE [--cap CAP]... [--arch A] -o FILE\n"
            "       runwarden seccomp explain PROFILE [--cap CAP]... [--arch A] [--json]\n"
            "       runwarden seccomp test PROFILE --syscall NAME|NR [--arg I=V]... [--cap CAP]... "
            "[--arch A] [--json]\n"
            "       runwarden seccomp resolve PROFILE [--cap CAP]... [--arch A]\n"
            "       runwarden seccomp equiv A.bpf B.bpf   (same decisions for every syscall?)\n"
            "PROFILE is a containers (or, with --moby, moby) seccomp.json; with --oci an OCI\n"
            "linux.seccomp section or a whole config.json; for explain/test, --bpf FILE takes a\n"
            "compiled filter instead.\n"
            "test: --abi x86_64|x32|x86 picks the syscall's ABI (default: --arch); --batch reads\n"
            "      lines ABI:NAME|NR[:A0,A1,...] from stdin and prints \"LINE ACTION\" for each.\n"
            "options: --no-caps (no capabilities object: every caps condition holds), --kernel "
            "X.Y,\n"
            "         --no-optimize (libseccomp's default program, as crun builds it), "
            "--fail-unknown,\n"
            "         --cache-dir DIR\n");
}

static void print_err(const char *what, rw_error_t *e)
{
    fprintf(stderr, "runwarden seccomp: %s%s%s\n", what, e ? ": " : "", e ? e->msg : "");
}

static int add_cap(opts_t *o, const char *c)
{
    if (o->n_caps >= MAX_CAPS)
        return -E2BIG;
    char *s = NULL;
    if (strncasecmp(c, "CAP_", 4) == 0)
        s = strdup(c);
    else if (asprintf(&s, "CAP_%s", c) < 0)
        s = NULL;
    if (!s)
        return -ENOMEM;
    for (char *p = s; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    o->caps[o->n_caps++] = s;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return -EINVAL;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || !end || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, opts_t *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                                               \
    do {                                                                                           \
        if (!val) {                                                                                \
            fprintf(stderr, "runwarden seccomp: %s needs a value\n", a);                           \
            return -EINVAL;                                                                        \
        }                                                                                          \
        i++;                                                                                       \
    } while (0)
        if (strcmp(a, "--cap") == 0) {
            NEED_VALUE();
            if (add_cap(o, val) < 0)
                return -EINVAL;
        } else if (strcmp(a, "--arch") == 0) {
            NEED_VALUE();
            o->arch_name = val;
        } else if (strcmp(a, "--abi") == 0) {
            NEED_VALUE();
            o->abi_name = val;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            NEED_VALUE();
            o->out = val;
        } else if (strcmp(a, "--bpf") == 0) {
            NEED_VALUE();
            o->bpf_file = val;
        } else if (strcmp(a, "--cache-dir") == 0) {
            NEED_VALUE();
            o->cache_dir = val;
        } else if (strcmp(a, "--kernel") == 0) {
            NEED_VALUE();
            o->kernel = val;
        } else if (strcmp(a, "--syscall") == 0) {
            NEED_VALUE();
            o->syscall = val;
        } else if (strcmp(a, "--arg") == 0) {
            NEED_VALUE();
            const char *eq = strchr(val, '=');
            uint64_t idx = 0, v = 0;
            cleanup_free char *is = eq ? strndup(val, (size_t)(eq - val)) : NULL;
            if (!eq || !is || parse_u64(is, &idx) < 0 || idx >= RW_SECCOMP_MAX_ARGS ||
                parse_u64(eq + 1, &v) < 0) {
                fprintf(stderr, "runwarden seccomp: --arg %s: expected I=V with I in 0..5\n", val);
                return -EINVAL;
            }
            o->args[idx] = v;
        } else if (strcmp(a, "--no-caps") == 0) {
            o->no_caps = true;
        } else if (strcmp(a, "--moby") == 0) {
            o->moby = true;
        } else if (strcmp(a, "--oci") == 0) {
            o->oci = true;
        } else if (strcmp(a, "--batch") == 0) {
            o->batch = true;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--no-optimize") == 0) {
            o->no_optimize = true;
        } else if (strcmp(a, "--fail-unknown") == 0) {
            o->fail_unknown = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "runwarden seccomp: unknown option %s\n", a);
            return -EINVAL;
        } else if (!o->sub) {
            o->sub = a;
        } else if (!o->input) {
            o->input = a;
        } else if (!o->input2 && strcmp(o->sub, "equiv") == 0) {
            o->input2 = a;
        } else {
            fprintf(stderr, "runwarden seccomp: unexpected argument %s\n", a);
            return -EINVAL;
        }
#undef NEED_VALUE
    }
    return 0;
}

static void print_warnings(const rw_seccomp_warnings_t *w)
{
    for (size_t i = 0; i < w->n; i++)
        fprintf(stderr, "runwarden seccomp: warning [%s]: %s\n", w->items[i].rule, w->items[i].msg);
}

static const rw_seccomp_arch_t *target_arch(const opts_t *o)
{
    if (!o->arch_name)
        return rw_seccomp_arch_host();
    const rw_seccomp_arch_t *a = rw_seccomp_arch_by_native(o->arch_name);
    if (!a)
        a = rw_seccomp_arch_by_oci(o->arch_name);
    return a;
}

/* The OCI section for the input: a profile resolved for the container, or OCI as given. */
static int load_oci(const opts_t *o, rw_seccomp_oci_t **ret, rw_seccomp_warnings_t *w,
                    rw_error_t **err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    int r = rw_file_read_at(AT_FDCWD, o->input, INPUT_MAX_SIZE, &buf, &len, NULL, err);
    if (r < 0)
        return r;
    if (o->oci) {
        cleanup_json json_t *doc = rw_json_parse(buf, len, o->input, err);
        if (!doc)
            return -EINVAL;
        json_t *sec = doc;
        const char *path = "$";
        if (json_is_object(doc) && json_object_get(doc, "linux")) {
            sec = json_object_get(json_object_get(doc, "linux"), "seccomp");
            path = "$.linux.seccomp";
            if (!sec)
                return rw_error_set(err, EINVAL, "%s: $.linux.seccomp: absent (unconfined)",
                                    o->input);
        }
        return rw_seccomp_oci_parse(sec, o->input, path, ret, w, err);
    }
    cleanup_seccomp_profile rw_seccomp_profile_t *p = NULL;
    r = rw_seccomp_profile_parse(buf, len, o->input,
                                 o->moby ? RW_SECCOMP_DIALECT_MOBY : RW_SECCOMP_DIALECT_CONTAINERS,
                                 &p, w, err);
    if (r < 0)
        return r;
    rw_seccomp_resolve_opts_t ro = {
        .arch = target_arch(o),
        .have_caps = !o->no_caps,
        .bounding = o->caps,
    };
    if (o->kernel) {
        if (rw_seccomp_min_kernel_parse(o->kernel, &ro.kernel_major, &ro.kernel_minor) < 0)
            return rw_error_set(err, EINVAL, "--kernel %s: expected <major>.<minor>", o->kernel);
        ro.have_kernel = true;
    }
    if ((r = rw_seccomp_resolve(p, &ro, ret, w, err)) < 0)
        return r;
    if (!*ret)
        return rw_error_set(err, EINVAL,
                            "%s: the profile disables seccomp (no defaultAction, no syscalls)",
                            o->input);
    return 0;
}

static int build_filter(const opts_t *o, const rw_seccomp_oci_t *oci, rw_seccomp_filter_t *f,
                        rw_error_t **err)
{
    rw_seccomp_compile_opts_t co = {
        .arch = target_arch(o),
        .fail_unknown = o->fail_unknown,
        .optimize = o->no_optimize ? 0 : 2,
    };
    rw_seccomp_cache_opts_t cache = {.dir = o->cache_dir, .store = true};
    int r = rw_seccomp_filter_get(oci, &co, o->cache_dir ? &cache : NULL, f, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < f->n_unknown; i++)
        fprintf(stderr,
                "runwarden seccomp: warning: unknown seccomp syscall `%s` ignored (as "
                "crun does)\n",
                f->unknown[i]);
    return 0;
}

static int load_bpf_file(const char *path, rw_seccomp_filter_t *f, rw_error_t **err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    int r = rw_file_read_at(AT_FDCWD, path, BPF_MAXINSNS * sizeof(struct sock_filter), &buf, &len,
                            NULL, err);
    if (r < 0)
        return r;
    if (len == 0 || len % sizeof(struct sock_filter))
        return rw_error_set(err, EINVAL, "%s: %zu bytes is not a BPF program", path, len);
    f->n = len / sizeof(struct sock_filter);
    f->insns = (struct sock_filter *)TAKE_PTR(buf);
    return 0;
}

/* The filter to run: --bpf FILE, or the input compiled. */
static int get_program(const opts_t *o, rw_seccomp_oci_t **oci, rw_seccomp_filter_t *f,
                       rw_error_t **err)
{
    int r;
    if (o->bpf_file) {
        r = load_bpf_file(o->bpf_file, f, err);
    } else {
        _cleanup_(rw_seccomp_warnings_clear) rw_seccomp_warnings_t w = {0};
        r = load_oci(o, oci, &w, err);
        print_warnings(&w);
        if (r >= 0)
            r = build_filter(o, *oci, f, err);
    }
    const rw_seccomp_arch_t *t = target_arch(o);
    if (r >= 0 && t)
        rw_seccomp_bpf_to_host(f->insns, f->n, rw_seccomp_arch_big_endian(t));
    if (r >= 0)
        r = rw_seccomp_bpf_validate(f->insns, f->n, err);
    return r;
}

/* seccomp_data as the target's kernel lays it out. */
static void prepare_data(const opts_t *o, struct seccomp_data *d)
{
    const rw_seccomp_arch_t *t = target_arch(o);
    if (t)
        rw_seccomp_data_for_target(d, rw_seccomp_arch_big_endian(t));
}

static int cmd_resolve(const opts_t *o)
{
    _cleanup_(rw_seccomp_warnings_clear) rw_seccomp_warnings_t w = {0};
    cleanup_seccomp_oci rw_seccomp_oci_t *oci = NULL;
    rw_error_t *err = NULL;
    int r = load_oci(o, &oci, &w, &err);
    print_warnings(&w);
    if (r < 0) {
        print_err("cannot resolve the profile", err);
        rw_error_free(err);
        return 1;
    }
    cleanup_json json_t *j = rw_seccomp_oci_to_json(oci);
    cleanup_free char *s = j ? rw_json_dump(j) : NULL;
    if (!s)
        return 1;
    printf("%s\n", s);
    return 0;
}

static int cmd_compile(const opts_t *o)
{
    if (!o->out) {
        fprintf(stderr, "runwarden seccomp compile: -o FILE is required\n");
        return 2;
    }
    cleanup_seccomp_oci rw_seccomp_oci_t *oci = NULL;
    _cleanup_(rw_seccomp_filter_clear) rw_seccomp_filter_t f = {0};
    rw_error_t *err = NULL;
    _cleanup_(rw_seccomp_warnings_clear) rw_seccomp_warnings_t w = {0};
    int r = load_oci(o, &oci, &w, &err);
    print_warnings(&w);
    if (r >= 0)
        r = build_filter(o, oci, &f, &err);
    if (r >= 0) {
        /* The file keeps the target's byte order (what its kernel gets); validate a copy in
         * ours. */
        struct sock_filter *copy = malloc(f.n * sizeof(*copy));
        if (!copy)
            return 1;
        memcpy(copy, f.insns, f.n * sizeof(*copy));
        rw_seccomp_bpf_to_host(copy, f.n, rw_seccomp_arch_big_endian(target_arch(o)));
        r = rw_seccomp_bpf_validate(copy, f.n, &err);
        free(copy);
    }
    if (r < 0) {
        print_err("cannot compile", err);
        rw_error_free(err);
        return 1;
    }
    cleanup_close int fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || rw_write_all(fd, f.insns, f.n * sizeof(*f.insns)) < 0) {
        fprintf(stderr, "runwarden seccomp: cannot write %s (errno %d)\n", o->out, errno);
        return 1;
    }
    fprintf(stderr, "%s: %zu instructions, sha256 %s, libseccomp %s, optimize %d\n", o->out, f.n,
            f.digest, f.libseccomp_version, f.optimize);
    return 0;
}

/* NAME, or a number as the kernel sees it; an x32 number gets its 0x40000000 bit. */
static int syscall_number(const rw_seccomp_arch_t *arch, const char *s, int *nr, rw_error_t **err)
{
    uint64_t raw = 0;
    if (parse_u64(s, &raw) == 0 && raw <= INT32_MAX) {
        *nr = (int)raw;
        if (strcmp(arch->scmp, "SCMP_ARCH_X32") == 0)
            *nr |= 0x40000000;
        return 0;
    }
    return rw_seccomp_syscall_nr(arch, s, nr, err);
}

static const rw_seccomp_arch_t *abi_arch(const char *name)
{
    const rw_seccomp_arch_t *a = rw_seccomp_arch_by_native(name);
    if (!a && strcmp(name, "i386") == 0)
        a = rw_seccomp_arch_by_native("x86");
    return a ? a : rw_seccomp_arch_by_oci(name);
}

/* Lines "ABI:NAME|NR[:A0,A1,...]" on stdin; prints "LINE ACTION" per line. */
static void prepare_data(const opts_t *o, struct seccomp_data *d);
static int test_batch(const opts_t *o, const rw_seccomp_filter_t *f)
{
    char line[512];
    int rc = 0;
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        char copy[512];
        snprintf(copy, sizeof(copy), "%s", line);
        char *abi = copy, *sys = strchr(copy, ':');
        char *args = sys ? strchr(sys + 1, ':') : NULL;
        if (sys)
            *sys++ = '\0';
        if (args)
            *args++ = '\0';
        const rw_seccomp_arch_t *arch = sys ? abi_arch(abi) : NULL;
        struct seccomp_data d = {0};
        int nr = 0;
        rw_error_t *err = NULL;
        bool ok = arch && syscall_number(arch, sys, &nr, &err) >= 0;
        for (int i = 0; ok && args && *args && i < RW_SECCOMP_MAX_ARGS; i++) {
            char *comma = strchr(args, ',');
            if (comma)
                *comma = '\0';
            uint64_t v = 0;
            ok = parse_u64(args, &v) == 0;
            d.args[i] = v;
            args = comma ? comma + 1 : NULL;
        }
        if (!ok) {
            printf("%s INVALID%s%s\n", line, err ? ": " : "", err ? err->msg : "");
            rw_error_free(err);
            rc = 1;
            continue;
        }
        d.nr = nr;
        d.arch = rw_seccomp_arch_audit(arch);
        prepare_data(o, &d);
        uint32_t ret = 0;
        rw_seccomp_bpf_run(f->insns, f->n, &d, &ret, NULL);
        char desc[96];
        rw_seccomp_ret_describe(ret, desc, sizeof(desc));
        printf("%s %s\n", line, desc);
    }
    return rc;
}

static int cmd_test(const opts_t *o)
{
    if (!o->syscall && !o->batch) {
        fprintf(stderr, "runwarden seccomp test: --syscall NAME is required\n");
        return 2;
    }
    const rw_seccomp_arch_t *arch = target_arch(o);
    if (o->abi_name)
        arch = abi_arch(o->abi_name);
    if (!arch) {
        fprintf(stderr, "runwarden seccomp: unknown architecture %s\n",
                o->abi_name ? o->abi_name : o->arch_name);
        return 2;
    }
    cleanup_seccomp_oci rw_seccomp_oci_t *oci = NULL;
    _cleanup_(rw_seccomp_filter_clear) rw_seccomp_filter_t f = {0};
    rw_error_t *err = NULL;
    int r = get_program(o, &oci, &f, &err);
    int nr = 0;
    if (r >= 0 && o->batch)
        return test_batch(o, &f);
    if (r >= 0)
        r = syscall_number(arch, o->syscall, &nr, &err);
    if (r < 0) {
        print_err("cannot test", err);
        rw_error_free(err);
        return 1;
    }
    struct seccomp_data d = {.nr = nr, .arch = rw_seccomp_arch_audit(arch)};
    memcpy(d.args, o->args, sizeof(d.args));
    prepare_data(o, &d);
    uint32_t ret = 0;
    size_t executed = 0;
    rw_seccomp_bpf_run(f.insns, f.n, &d, &ret, &executed);
    char desc[96];
    rw_seccomp_ret_describe(ret, desc, sizeof(desc));
    cleanup_free char *name = rw_seccomp_syscall_name(arch, nr);
    if (o->json) {
        int e = rw_seccomp_ret_errno(ret);
        const char *en = e >= 0 ? rw_seccomp_errno_name((uint32_t)e) : NULL;
        cleanup_json json_t *j =
            json_pack("{s:s?, s:i, s:s, s:s, s:I, s:o, s:o, s:I}", "syscall", name, "nr", nr,
                      "arch", arch->scmp, "action", desc, "ret", (json_int_t)ret, "errno",
                      e >= 0 ? json_integer(e) : json_null(), "errnoName",
                      en ? json_string(en) : json_null(), "instructions", (json_int_t)executed);
        cleanup_free char *s = j ? rw_json_dump_compact(j) : NULL;
        if (!s)
            return 1;
        printf("%s\n", s);
        return 0;
    }
    printf("%s(%" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
           ") nr %d on %s: %s [%zu BPF instructions]\n",
           name ? name : o->syscall, o->args[0], o->args[1], o->args[2], o->args[3], o->args[4],
           o->args[5], nr, arch->scmp, desc, executed);
    return 0;
}

/* Conditions of the rules naming this syscall, as crun adds them (AND, or OR when an
 * argument index repeats); rules equal to the default action are skipped like crun does. */
static json_t *conditions_for(const rw_seccomp_oci_t *oci, const char *name)
{
    json_t *arr = json_array();
    if (!oci || !arr)
        return arr;
    uint32_t def = rw_seccomp_action_value(
        oci->default_action, oci->has_default_errno_ret ? oci->default_errno_ret : EPERM);
    for (size_t i = 0; i < oci->n_rules; i++) {
        const rw_seccomp_rule_t *ru = &oci->rules[i];
        bool named = false;
        for (size_t k = 0; k < ru->n_names && !named; k++)
            named = strcmp(ru->names[k], name) == 0;
        uint32_t act =
            rw_seccomp_action_value(ru->action, ru->has_errno_ret ? ru->errno_ret : EPERM);
        if (!named || ru->n_args == 0 || act == def)
            continue;
        bool repeat = false;
        for (size_t a = 0; a < ru->n_args; a++)
            for (size_t b = a + 1; b < ru->n_args; b++)
                repeat |= ru->args[a].index == ru->args[b].index;
        char when[512] = "";
        size_t used = 0;
        for (size_t a = 0; a < ru->n_args && used < sizeof(when); a++) {
            const rw_seccomp_arg_t *x = &ru->args[a];
            int n;
            if (x->op == RW_SCMP_CMP_MASKED_EQ)
                n = snprintf(when + used, sizeof(when) - used,
                             "%s(arg%u & 0x%" PRIx64 ") == 0x%" PRIx64,
                             a ? (repeat ? " || " : " && ") : "", x->index, x->value, x->value_two);
            else
                n = snprintf(when + used, sizeof(when) - used, "%sarg%u %s 0x%" PRIx64,
                             a ? (repeat ? " || " : " && ") : "", x->index,
                             rw_seccomp_op_symbol(x->op), x->value);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        char act_s[96];
        rw_seccomp_ret_describe(act, act_s, sizeof(act_s));
        json_array_append_new(arr, json_pack("{s:s, s:s}", "when", when, "action", act_s));
    }
    return arr;
}

static int cmd_explain(const opts_t *o)
{
    const rw_seccomp_arch_t *arch = target_arch(o);
    if (!arch) {
        fprintf(stderr, "runwarden seccomp: unknown architecture %s\n", o->arch_name);
        return 2;
    }
    cleanup_seccomp_oci rw_seccomp_oci_t *oci = NULL;
    _cleanup_(rw_seccomp_filter_clear) rw_seccomp_filter_t f = {0};
    rw_error_t *err = NULL;
    rw_seccomp_sysent_t *tab = NULL;
    size_t n = 0;
    int r = get_program(o, &oci, &f, &err);
    if (r >= 0)
        r = rw_seccomp_systable(arch, &tab, &n, &err);
    if (r < 0) {
        print_err("cannot explain", err);
        rw_error_free(err);
        return 1;
    }
    cleanup_json json_t *out = json_object();
    json_t *rows = json_array();
    json_object_set_new(out, "input", json_string(o->bpf_file ? o->bpf_file : o->input));
    json_object_set_new(out, "arch", json_string(arch->scmp));
    if (oci) {
        json_t *arches = json_array();
        for (size_t i = 0; i < oci->n_architectures; i++)
            json_array_append_new(arches, json_string(oci->architectures[i]));
        json_object_set_new(out, "architectures", arches);
        char def[96];
        rw_seccomp_ret_describe(
            rw_seccomp_action_value(oci->default_action,
                                    oci->has_default_errno_ret ? oci->default_errno_ret : EPERM),
            def, sizeof(def));
        json_object_set_new(out, "defaultAction", json_string(def));
        json_t *caps = json_array();
        for (size_t i = 0; i < o->n_caps; i++)
            json_array_append_new(caps, json_string(o->caps[i]));
        json_object_set_new(out, "bounding", o->no_caps ? json_null() : caps);
        if (o->no_caps)
            json_decref(caps);
        json_object_set_new(out, "loadFlags", json_integer(rw_seccomp_oci_load_flags(oci)));
    }
    json_object_set_new(out, "instructions", json_integer((json_int_t)f.n));
    if (f.digest[0])
        json_object_set_new(out, "sha256", json_string(f.digest));
    json_t *unknown = json_array();
    for (size_t i = 0; i < f.n_unknown; i++)
        json_array_append_new(unknown, json_string(f.unknown[i]));
    json_object_set_new(out, "unknownSyscalls", unknown);
    json_object_set_new(out, "syscalls", rows);
    for (size_t i = 0; i < n; i++) {
        struct seccomp_data d = {.nr = tab[i].nr, .arch = rw_seccomp_arch_audit(arch)};
        uint32_t ret = 0;
        size_t ex = 0;
        prepare_data(o, &d);
        rw_seccomp_bpf_run(f.insns, f.n, &d, &ret, &ex);
        char desc[96];
        rw_seccomp_ret_describe(ret, desc, sizeof(desc));
        int e = rw_seccomp_ret_errno(ret);
        json_t *row = json_pack("{s:i, s:s, s:s, s:o, s:I}", "nr", tab[i].nr, "name", tab[i].name,
                                "action", desc, "errno", e >= 0 ? json_integer(e) : json_null(),
                                "instructions", (json_int_t)ex);
        json_t *cond = conditions_for(oci, tab[i].name);
        if (row && cond && json_array_size(cond))
            json_object_set_new(row, "conditional", cond);
        else
            json_decref(cond);
        json_array_append_new(rows, row);
    }
    rw_seccomp_systable_free(tab, n);
    if (o->json) {
        cleanup_free char *s = rw_json_dump(out);
        if (!s)
            return 1;
        printf("%s\n", s);
        return 0;
    }
    printf("input: %s\narchitecture: %s\n", json_string_value(json_object_get(out, "input")),
           arch->scmp);
    if (oci) {
        printf("filter covers:");
        if (!oci->n_architectures)
            printf(" %s (native only)", arch->scmp);
        for (size_t i = 0; i < oci->n_architectures; i++)
            printf(" %s", oci->architectures[i]);
        printf("\nbounding set:");
        if (o->no_caps)
            printf(" (no capabilities object: every caps condition holds)");
        else if (!o->n_caps)
            printf(" (empty)");
        for (size_t i = 0; i < o->n_caps; i++)
            printf(" %s", o->caps[i]);
        printf("\ndefault: %s\nload flags: 0x%x\n",
               json_string_value(json_object_get(out, "defaultAction")),
               rw_seccomp_oci_load_flags(oci));
    }
    printf("filter: %zu instructions%s%s\n", f.n, f.digest[0] ? ", sha256 " : "", f.digest);
    for (size_t i = 0; i < f.n_unknown; i++)
        printf("unknown to libseccomp, ignored: %s\n", f.unknown[i]);
    printf("\n%-6s %-26s %s\n", "NR", "SYSCALL", "ACTION (all arguments 0)");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        printf("%-6lld %-26s %s\n", (long long)json_integer_value(json_object_get(row, "nr")),
               json_string_value(json_object_get(row, "name")),
               json_string_value(json_object_get(row, "action")));
        json_t *cond = json_object_get(row, "conditional");
        size_t k;
        json_t *c;
        json_array_foreach(cond, k, c)
        {
            printf("%-6s %-26s   if %s: %s\n", "", "",
                   json_string_value(json_object_get(c, "when")),
                   json_string_value(json_object_get(c, "action")));
        }
    }
    return 0;
}

static int cmd_equiv(const opts_t *o)
{
    if (!o->input2) {
        fprintf(stderr, "runwarden seccomp equiv: two BPF files are needed\n");
        return 2;
    }
    _cleanup_(rw_seccomp_filter_clear) rw_seccomp_filter_t a = {0};
    _cleanup_(rw_seccomp_filter_clear) rw_seccomp_filter_t b = {0};
    rw_error_t *err = NULL;
    int r = load_bpf_file(o->input, &a, &err);
    if (r >= 0)
        r = rw_seccomp_bpf_validate(a.insns, a.n, &err);
    if (r >= 0)
        r = load_bpf_file(o->input2, &b, &err);
    if (r >= 0)
        r = rw_seccomp_bpf_validate(b.insns, b.n, &err);
    if (r < 0) {
        print_err("cannot compare", err);
        rw_error_free(err);
        return 1;
    }
    rw_seccomp_equiv_abi_t abis[8];
    size_t n = rw_seccomp_equiv_host_abis(abis, 8);
    rw_seccomp_equiv_result_t res;
    if (rw_seccomp_bpf_equiv(a.insns, a.n, b.insns, b.n, abis, n, &res) < 0)
        return 1;
    if (!res.differ) {
        printf("equivalent: %zu seccomp_data values checked (%zu vs %zu instructions)\n",
               res.checked, a.n, b.n);
        return 0;
    }
    char da[96], db[96];
    rw_seccomp_ret_describe(res.ret_a, da, sizeof(da));
    rw_seccomp_ret_describe(res.ret_b, db, sizeof(db));
    printf("DIFFERENT: arch 0x%08x nr %d args %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
           " %" PRIu64 " %" PRIu64 ": %s vs %s\n",
           res.arch, res.nr, res.args[0], res.args[1], res.args[2], res.args[3], res.args[4],
           res.args[5], da, db);
    return 1;
}

int rw_cmd_seccomp(int argc, char **argv)
{
    opts_t o;
    memset(&o, 0, sizeof(o));
    int rc = 2;
    if (parse_args(argc, argv, &o) < 0)
        goto out;
    if (!o.sub) {
        usage(stderr);
        goto out;
    }
    if (!o.input &&
        !(o.bpf_file && (strcmp(o.sub, "test") == 0 || strcmp(o.sub, "explain") == 0))) {
        fprintf(stderr, "runwarden seccomp %s: PROFILE is required\n", o.sub);
        goto out;
    }
    if (o.arch_name && !target_arch(&o)) {
        fprintf(stderr, "runwarden seccomp: unknown architecture %s\n", o.arch_name);
        goto out;
    }
    if (strcmp(o.sub, "compile") == 0)
        rc = cmd_compile(&o);
    else if (strcmp(o.sub, "explain") == 0)
        rc = cmd_explain(&o);
    else if (strcmp(o.sub, "test") == 0)
        rc = cmd_test(&o);
    else if (strcmp(o.sub, "resolve") == 0)
        rc = cmd_resolve(&o);
    else if (strcmp(o.sub, "equiv") == 0)
        rc = cmd_equiv(&o);
    else {
        fprintf(stderr, "runwarden seccomp: unknown subcommand %s\n", o.sub);
        usage(stderr);
    }
out:
    for (size_t i = 0; i < o.n_caps; i++)
        free(o.caps[i]);
    return rc;
}
