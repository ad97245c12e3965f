/* `runwarden hook lsm-poststop --root ROOT --config FILE`: the OCI poststop hook the LSM stage
 * adds. When the runtime deletes the container it frees its MCS pair, drops its reference
 * on the tenant's AppArmor profile (unloading it with the last one) and removes its record.
 * The config path is an argument because runtimes run hooks without the engine's
 * environment (podman calls delete with none). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../conf/config.h"
#include "../profiles/apparmor.h"
#include "../profiles/lsm_state.h"
#include "../profiles/selinux.h"
#include "hooks.h"
#include "stage_lsm.h"

int rw_hook_lsm_poststop(int argc, char **argv, const rw_hook_state_t *state)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *config = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            root = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        default:
            return 2;
        }
    }
    if (!root || root[0] != '/' || !config || config[0] != '/') {
        fprintf(stderr, "runwarden: hook %s: needs --root and --config (absolute)\n", RW_LSM_HOOK);
        return 2;
    }
    cleanup_config rw_config_t *cfg = NULL;
    rw_error_t *err = NULL;
    cleanup_lsm_config rw_lsm_config_t *lc = NULL;
    int r = rw_config_load_file(config, true, &cfg, &err);
    if (r >= 0)
        r = rw_lsm_config_parse(cfg->lsm, cfg->path, &lc, &err);
    if (r < 0) {
        fprintf(stderr, "runwarden: hook %s: %s\n", RW_LSM_HOOK, err ? err->msg : "bad config");
        rw_error_free(err);
        return 1;
    }
    char key[RW_SHA256_HEX_LEN + 1];
    rw_lsm_container_key(root, state->id, key);
    json_t *rec = NULL;
    int rc = 0;
    if ((r = rw_lsm_record_read(lc->state_dir, key, &rec, &err)) < 0) {
        fprintf(stderr, "runwarden: hook %s: %s\n", RW_LSM_HOOK, err ? err->msg : "bad record");
        rw_error_free(err);
        err = NULL;
        rc = 1;
    }
    json_t *aa = json_object_get(rec, "apparmor");
    const char *profile = json_string_value(json_object_get(aa, "profile"));
    if (profile && rw_apparmor_unref(lc, profile, key, json_is_true(json_object_get(aa, "kernel")),
                                     &err) < 0) {
        fprintf(stderr, "runwarden: hook %s: %s\n", RW_LSM_HOOK, err ? err->msg : "unload");
        rw_error_free(err);
        err = NULL;
        rc = 1;
    }
    /* Released even without a record: a pair reserved by a create whose record was lost. */
    rw_mcs_pool_t pool = {lc->selinux.mcs_dir, lc->selinux.cat_min, lc->selinux.cat_max};
    if (rw_mcs_release(&pool, root, state->id, &err) < 0) {
        fprintf(stderr, "runwarden: hook %s: %s\n", RW_LSM_HOOK, err ? err->msg : "MCS");
        rw_error_free(err);
        err = NULL;
        rc = 1;
    }
    if (rec)
        json_decref(rec);
    if (rw_lsm_record_remove(lc->state_dir, key) < 0)
        rc = 1;
    return rc;
}
