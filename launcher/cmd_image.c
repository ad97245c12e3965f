/* `runwarden image verify REF | --container ID`: evaluates the image-trust policy for an
 * image in containers-storage and shows the verdict, the scope that matched, each
 * requirement's result and, for each signature, why it was accepted or rejected. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "../conf/config.h"
#include "../conf/config_trust.h"
#include "../policy/trust.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: runwarden image verify [OPTIONS] REF\n"
               "       runwarden image verify [OPTIONS] --container ID\n"
               "REF is an image name (as podman shows it, or short) or a 64-hex image ID.\n"
               "options:\n"
               "  --root DIR           containers-storage graph root (default: trust.graphroot,\n"
               "                       storage.conf, /var/lib/containers/storage)\n"
               "  --driver NAME        storage driver (default: storage.conf, else probed)\n"
               "  --policy FILE        policy.json (default: trust.policy)\n"
               "  --registries-d DIR   registries.d (default: trust.registriesD)\n"
               "  --no-cache           neither read nor write the verdict cache\n"
               "  --no-index-cache     rescan images.json instead of using its cached record\n"
               "  --json               print the full report as JSON\n"
               "exit status: 0 accepted, 1 rejected, 2 the image is unknown or cannot be "
               "evaluated\n");
}

static void print_sig(const json_t *sg)
{
    printf("    signature %lld (%s, %s): %s: %s\n",
           (long long)json_integer_value(json_object_get(sg, "index")),
           json_string_value(json_object_get(sg, "format")),
           json_string_value(json_object_get(sg, "origin")),
           json_string_value(json_object_get(sg, "result")),
           json_string_value(json_object_get(sg, "reason")));
}

static void print_text(const json_t *rep)
{
    const json_t *img = json_object_get(rep, "image");
    const char *id = json_string_value(json_object_get(img, "id"));
    printf("image: %.12s", id ? id : "?");
    const json_t *names = json_object_get(img, "names");
    size_t i;
    json_t *v;
    if (json_array_size(names)) {
        printf(" names:");
        json_array_foreach(names, i, v) printf(" %s", json_string_value(v));
    }
    const char *md = json_string_value(json_object_get(img, "manifestDigest"));
    printf("\nmanifest: %s\n", md ? md : "(unknown)");
    const char *req = json_string_value(json_object_get(img, "requestedName"));
    if (req)
        printf("requested name: %s\n", req);
    printf("policy: %s\n", json_string_value(json_object_get(rep, "policy")));
    json_t *ev;
    json_array_foreach(json_object_get(rep, "evaluations"), i, ev)
    {
        const char *name = json_string_value(json_object_get(ev, "name"));
        const char *label = json_string_value(json_object_get(ev, "scopeLabel"));
        printf("name %s: scope %s: %s\n", name ? name : "(none)", label ? label : "(none)",
               json_string_value(json_object_get(ev, "verdict")));
        size_t j;
        json_t *rq;
        json_array_foreach(json_object_get(ev, "requirements"), j, rq)
        {
            const char *keys = json_string_value(json_object_get(rq, "keys"));
            const char *ident = json_string_value(json_object_get(rq, "signedIdentity"));
            printf("  requirement %s %s%s%s%s%s%s: %s: %s\n",
                   json_string_value(json_object_get(rq, "where")),
                   json_string_value(json_object_get(rq, "type")), keys ? " (" : "",
                   keys ? keys : "", ident ? ", signedIdentity " : "", ident ? ident : "",
                   keys ? ")" : "", json_string_value(json_object_get(rq, "result")),
                   json_string_value(json_object_get(rq, "reason")));
            size_t k;
            json_t *sg;
            json_array_foreach(json_object_get(rq, "signatures"), k, sg) print_sig(sg);
        }
    }
    printf("verdict: %s\n", json_string_value(json_object_get(rep, "verdict")));
    printf("reason: %s\n", json_string_value(json_object_get(rep, "reason")));
    printf("cache: %s\n", json_string_value(json_object_get(rep, "cache")));
}

static int verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"driver", required_argument, NULL, 'd'},
        {"policy", required_argument, NULL, 'p'},
        {"registries-d", required_argument, NULL, 'R'},
        {"container", required_argument, NULL, 'c'},
        {"no-cache", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"bench", required_argument, NULL, 'b'},
        {"no-index-cache", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *driver = NULL, *policy = NULL, *regd = NULL, *container = NULL;
    bool json = false, no_cache = false, no_index_cache = false;
    long bench = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:d:p:R:c:njb:Ih", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            root = optarg;
            break;
        case 'd':
            driver = optarg;
            break;
        case 'p':
            policy = optarg;
            break;
        case 'R':
            regd = optarg;
            break;
        case 'c':
            container = optarg;
            break;
        case 'n':
            no_cache = true;
            break;
        case 'j':
            json = true;
            break;
        case 'I':
            no_index_cache = true;
            break;
        case 'b': {
            char *end = NULL;
            bench = strtol(optarg, &end, 10);
            if (!end || *end || bench < 1 || bench > 1000000) {
                fprintf(stderr, "runwarden image verify: --bench wants a count\n");
                return 2;
            }
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    const char *ref = optind < argc ? argv[optind] : NULL;
    if ((!ref) == (!container) || optind + (ref ? 1 : 0) != argc) {
        usage(stderr);
        return 2;
    }
    cleanup_config rw_config_t *cfg = NULL;
    rw_error_t *err = NULL;
    cleanup_trust_config rw_trust_config_t *tcfg = NULL;
    if (rw_config_load(&cfg, &err) < 0 ||
        rw_trust_config_parse(cfg->trust, cfg->path, &tcfg, &err) < 0) {
        fprintf(stderr, "runwarden image verify: %s\n", err ? err->msg : "cannot load config");
        rw_error_free(err);
        return 2;
    }
    rw_trust_opts_t o = {.cfg = tcfg,
                         .policy = policy,
                         .registries_d = regd,
                         .no_cache = no_cache,
                         .no_index_cache = no_index_cache};
    long *samples = bench ? calloc((size_t)bench, sizeof(long)) : NULL;
    int rc = 2;
    for (long iter = 0; iter < (bench ? bench : 1); iter++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rw_trust_subject_t s;
        int r = container ? rw_trust_identify_store_container(&o, root, driver, container, &s, &err)
                          : rw_trust_identify_ref(&o, root, driver, ref, &s, &err);
        json_t *rep = NULL;
        if (r >= 0 && s.source != RW_TRUST_SRC_UNKNOWN)
            r = rw_trust_evaluate(&o, &s, &rep, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (samples)
            samples[iter] = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
        bool last = iter + 1 == (bench ? bench : 1);
        if (r < 0) {
            fprintf(stderr, "runwarden image verify: %s\n", err ? err->msg : "failed");
            rw_error_free(err);
            rw_trust_subject_clear(&s);
            rc = 2;
            break;
        }
        if (!rep) {
            if (last)
                printf("image: unknown: %s\n", s.why_unknown ? s.why_unknown : "?");
            rw_trust_subject_clear(&s);
            rc = 2;
            continue;
        }
        rc = strcmp(json_string_value(json_object_get(rep, "verdict")), "accepted") == 0 ? 0 : 1;
        if (last && !bench) {
            if (json) {
                cleanup_free char *out = rw_json_dump(rep);
                if (out)
                    printf("%s\n", out);
            } else {
                print_text(rep);
            }
        } else if (last) {
            printf("verdict: %s\ncache: %s\n", json_string_value(json_object_get(rep, "verdict")),
                   json_string_value(json_object_get(rep, "cache")));
        }
        json_decref(rep);
        rw_trust_subject_clear(&s);
    }
    if (samples) {
        /* median per evaluation, for tests/bench */
        for (long i = 1; i < bench; i++)
            for (long j = i; j > 0 && samples[j - 1] > samples[j]; j--) {
                long t = samples[j];
                samples[j] = samples[j - 1];
                samples[j - 1] = t;
            }
        printf("median_ns: %ld\nruns: %ld\n", samples[bench / 2], bench);
        free(samples);
    }
    return rc;
}

int rw_cmd_image(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "verify") == 0)
        return verify(argc - 1, argv + 1);
    fprintf(stderr, "runwarden image: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
