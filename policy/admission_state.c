/* Which tenant each running container belongs to, so that an exec is judged by the
 * container's level: STATE_DIR/ID.json, written atomically at create and removed by the
 * poststop hook. A missing record is not an error (containers from before runwarden). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "admission.h"

#define STATE_MAX 4096

bool rw_admission_state_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 200 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || id[0] == '.')
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.' || *c == '+'))
            return false;
    return true;
}

static int open_dir(const char *dir, bool create, rw_error_t **err)
{
    if (create) {
        /* Parents only searchable (other features' state lives beside it, and a container's
         * root may have to reach its mounts through /run/runwarden); the records private. */
        char *slash = strrchr(dir, '/');
        int r = 0;
        if (slash && slash != dir) {
            char *parent = strndup(dir, (size_t)(slash - dir));
            r = parent ? rw_mkdir_p(parent, 0711) : -ENOMEM;
            free(parent);
        }
        if (r >= 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
            r = -errno;
        if (r < 0)
            return rw_error_setsys(err, -r, "%s: cannot create", dir);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return create ? rw_error_setsys(err, errno, "%s: cannot open", dir) : -errno;
    return fd;
}

int rw_admission_state_write(const char *state_dir, const char *id, const char *tenant,
                             rw_adm_level_t level, rw_error_t **err)
{
    if (!rw_admission_state_id_ok(id))
        return rw_error_set(err, EINVAL, "container id '%.64s' cannot name a state file", id);
    cleanup_close int dfd = open_dir(state_dir, true, err);
    if (dfd < 0)
        return dfd;
    json_t *o = json_pack("{s:s,s:s}", "tenant", tenant, "level", rw_adm_level_name(level));
    cleanup_free char *text = o ? rw_json_dump_compact(o) : NULL;
    if (o)
        json_decref(o);
    if (!text)
        return -ENOMEM;
    char name[256];
    snprintf(name, sizeof(name), "%s.json", id);
    /* No fsync: this lives under /run and means nothing after a reboot, when the container
     * is gone too; readers see the old or the new file whole either way. */
    return rw_file_replace_at_sync(dfd, name, text, strlen(text), 0600, 0, 0, RW_REPLACE_VOLATILE,
                                   err);
}

int rw_admission_state_read(const char *state_dir, const char *id, char **ret_tenant,
                            rw_error_t **err)
{
    *ret_tenant = NULL;
    if (!rw_admission_state_id_ok(id))
        return 0;
    cleanup_close int dfd = open_dir(state_dir, false, err);
    if (dfd == -ENOENT)
        return 0;
    if (dfd < 0)
        return rw_error_setsys(err, -dfd, "%s: cannot open", state_dir);
    char name[256];
    snprintf(name, sizeof(name), "%s.json", id);
    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(dfd, name, STATE_MAX, &buf, &len, NULL, &e);
    if (r == -ENOENT) {
        rw_error_free(e);
        return 0;
    }
    if (r < 0) {
        rw_error_set(err, -r, "%s/%s: %s", state_dir, name, e ? e->msg : "cannot read");
        rw_error_free(e);
        return r;
    }
    cleanup_json json_t *doc = rw_json_parse(buf, len, name, err);
    if (!doc)
        return -EINVAL;
    const char *t = NULL;
    if ((r = rw_json_get_string(doc, "tenant", true, &t, name, "$", err)) < 0)
        return r;
    *ret_tenant = strdup(t);
    return *ret_tenant ? 0 : -ENOMEM;
}

int rw_admission_state_remove(const char *state_dir, const char *id)
{
    if (!rw_admission_state_id_ok(id))
        return -EINVAL;
    cleanup_close int dfd = open_dir(state_dir, false, NULL);
    if (dfd < 0)
        return dfd == -ENOENT ? 0 : dfd;
    char name[256];
    snprintf(name, sizeof(name), "%s.json", id);
    if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}
