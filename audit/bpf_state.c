/* Per-container state in the state directory (<id>.json): the cgroup and id the programs
 * were attached to, so poststop can find the counters after the cgroup is gone. Runtime
 * state (under /run): replaced atomically but never synced. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "bpf_shared.h"

#define RW_BPF_STATE_MAX (64u << 10)

bool rw_bpf_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 128 || id[0] == '.')
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static int state_dir_fd(const rw_bpf_ctx_t *c, rw_error_t **err)
{
    if (rw_mkdir_p(c->ec.state_dir, 0700) < 0)
        return rw_error_setsys(err, errno, "cannot create %s", c->ec.state_dir);
    int fd = open(c->ec.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rw_error_setsys(err, errno, "cannot open %s", c->ec.state_dir);
    return fd;
}

int rw_bpf_state_write(const rw_bpf_ctx_t *c, const char *id, json_t *state, rw_error_t **err)
{
    if (!rw_bpf_id_valid(id))
        return rw_error_set(err, EINVAL, "container id '%s' is not usable as a file name", id);
    cleanup_close int dfd = state_dir_fd(c, err);
    if (dfd < 0)
        return dfd;
    cleanup_free char *text = rw_json_dump(state);
    if (!text)
        return -ENOMEM;
    char name[160];
    snprintf(name, sizeof(name), "%s.json", id);
    return rw_file_replace_at_sync(dfd, name, text, strlen(text), 0600, 0, 0, RW_REPLACE_VOLATILE,
                                   err);
}

int rw_bpf_state_read(const rw_bpf_ctx_t *c, const char *id, json_t **ret, rw_error_t **err)
{
    if (!rw_bpf_id_valid(id))
        return rw_error_set(err, EINVAL, "container id '%s' is not usable as a file name", id);
    cleanup_close int dfd = open(c->ec.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    char name[160];
    snprintf(name, sizeof(name), "%s.json", id);
    cleanup_free char *buf = NULL;
    size_t len = 0;
    int r = rw_file_read_at(dfd, name, RW_BPF_STATE_MAX, &buf, &len, NULL, err);
    if (r < 0)
        return r;
    *ret = rw_json_parse(buf, len, name, err);
    return *ret ? 0 : -EINVAL;
}

int rw_bpf_state_remove(const rw_bpf_ctx_t *c, const char *id)
{
    if (!rw_bpf_id_valid(id))
        return -EINVAL;
    cleanup_close int dfd = open(c->ec.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    char name[160];
    snprintf(name, sizeof(name), "%s.json", id);
    return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
}
