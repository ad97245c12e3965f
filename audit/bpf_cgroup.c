/* Finding a container's cgroup v2 directory and id. On a hybrid host the v2 tree is at
 * /sys/fs/cgroup/unified and runc/crun still give each container its own directory there;
 * the process's "0::" line in /proc/PID/cgroup names it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "bpf_shared.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            *o++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
            p += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

int rw_bpf_cgroup2_mount(char **ret, rw_error_t **err)
{
    cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return rw_error_setsys(err, errno, "cannot read /proc/self/mountinfo");
    cleanup_free char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
        char *sep = strstr(line, " - ");
        if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
            continue;
        char *save = NULL;
        char *fields[5];
        char *p = line;
        int n = 0;
        for (; n < 5; n++, p = NULL) {
            fields[n] = strtok_r(p, " ", &save);
            if (!fields[n])
                break;
        }
        if (n < 5 || strcmp(fields[3], "/") != 0)
            continue; /* a bind mount of a subtree cannot resolve absolute paths */
        unescape(fields[4]);
        *ret = strdup(fields[4]);
        return *ret ? 0 : -ENOMEM;
    }
    return rw_error_set(err, ENOENT,
                        "no cgroup v2 file system is mounted (cgroup2 in "
                        "/proc/self/mountinfo)");
}

int rw_bpf_cgroup_of_pid(pid_t pid, char **ret, rw_error_t **err)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    cleanup_fclose FILE *f = fopen(path, "re");
    if (!f)
        return rw_error_setsys(err, errno, "cannot read %s", path);
    cleanup_free char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (strncmp(line, "0::", 3) != 0)
            continue;
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        const char *rel = line + 3;
        if (rel[0] != '/' || strstr(rel, "/../") || strstr(rel, " (deleted)"))
            return rw_error_set(err, EINVAL, "%s: unusable cgroup v2 path '%s'", path, rel);
        *ret = strdup(rel);
        return *ret ? 0 : -ENOMEM;
    }
    return rw_error_set(err, ENOENT, "%s has no cgroup v2 (0::) line", path);
}

int rw_bpf_cgroup_open(const char *mnt, const char *rel, int *ret_fd, uint64_t *ret_id,
                       rw_error_t **err)
{
    cleanup_free char *full = NULL;
    if (asprintf(&full, "%s%s", mnt, rel) < 0)
        return -ENOMEM;
    cleanup_close int fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return rw_error_setsys(err, errno, "cannot open cgroup %s", full);
    /* The kernfs file handle of a cgroup directory is its 64-bit id. */
    cleanup_free struct file_handle *fh = malloc(sizeof(*fh) + sizeof(uint64_t));
    if (!fh)
        return -ENOMEM;
    int mount_id = 0;
    fh->handle_bytes = sizeof(uint64_t);
    if (name_to_handle_at(fd, "", fh, &mount_id, AT_EMPTY_PATH) < 0)
        return rw_error_setsys(err, errno, "cannot get the id of cgroup %s", full);
    if (fh->handle_bytes != sizeof(uint64_t))
        return rw_error_set(err, EINVAL, "cgroup %s: unexpected handle size %u", full,
                            fh->handle_bytes);
    memcpy(ret_id, fh->f_handle, sizeof(*ret_id));
    *ret_fd = TAKE_FD(fd);
    return 0;
}
