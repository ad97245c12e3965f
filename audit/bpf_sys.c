/* Raw bpf(2) wrappers for the hooks' fast path (see bpf_sys.h). The attribute union is
 * zeroed before each call: the kernel refuses non-zero bytes past the fields it knows. */
#include "bpf_sys.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr)
{
    long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
    return r < 0 ? -errno : (int)r;
}

static uint64_t ptr(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

int rw_bpf_sys_obj_get(const char *path)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.pathname = ptr(path);
    return sys_bpf(BPF_OBJ_GET, &a);
}

int rw_bpf_sys_obj_pin(int fd, const char *path)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.pathname = ptr(path);
    a.bpf_fd = (uint32_t)fd;
    return sys_bpf(BPF_OBJ_PIN, &a);
}

static int map_elem(int cmd, int fd, const void *key, const void *value, uint64_t flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_fd = (uint32_t)fd;
    a.key = ptr(key);
    a.value = ptr(value);
    a.flags = flags;
    return sys_bpf(cmd, &a);
}

int rw_bpf_sys_map_lookup(int map_fd, const void *key, void *value)
{
    return map_elem(BPF_MAP_LOOKUP_ELEM, map_fd, key, value, 0);
}

int rw_bpf_sys_map_update(int map_fd, const void *key, const void *value, uint64_t flags)
{
    return map_elem(BPF_MAP_UPDATE_ELEM, map_fd, key, value, flags);
}

int rw_bpf_sys_map_delete(int map_fd, const void *key)
{
    return map_elem(BPF_MAP_DELETE_ELEM, map_fd, key, NULL, 0);
}

int rw_bpf_sys_map_next_key(int map_fd, const void *key, void *next)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_fd = (uint32_t)map_fd;
    a.key = ptr(key);
    a.next_key = ptr(next);
    return sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
}

static int obj_info(int fd, void *info, uint32_t len)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    memset(info, 0, len);
    a.info.bpf_fd = (uint32_t)fd;
    a.info.info_len = len;
    a.info.info = ptr(info);
    return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
}

int rw_bpf_sys_map_info(int map_fd, struct bpf_map_info *info)
{
    return obj_info(map_fd, info, sizeof(*info));
}

int rw_bpf_sys_prog_info(int prog_fd, struct bpf_prog_info *info)
{
    return obj_info(prog_fd, info, sizeof(*info));
}

int rw_bpf_sys_link_info(int link_fd, struct bpf_link_info *info)
{
    return obj_info(link_fd, info, sizeof(*info));
}

int rw_bpf_sys_prog_attach(int prog_fd, int target_fd, unsigned attach_type, unsigned flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.target_fd = (uint32_t)target_fd;
    a.attach_bpf_fd = (uint32_t)prog_fd;
    a.attach_type = attach_type;
    a.attach_flags = flags;
    return sys_bpf(BPF_PROG_ATTACH, &a);
}

int rw_bpf_sys_prog_detach(int prog_fd, int target_fd, unsigned attach_type)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.target_fd = (uint32_t)target_fd;
    a.attach_bpf_fd = (uint32_t)prog_fd;
    a.attach_type = attach_type;
    return sys_bpf(BPF_PROG_DETACH, &a);
}

int rw_bpf_sys_prog_query(int target_fd, unsigned attach_type, uint32_t *ids, uint32_t *cnt)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.query.target_fd = (uint32_t)target_fd;
    a.query.attach_type = attach_type;
    a.query.prog_ids = ptr(ids);
    a.query.prog_cnt = *cnt;
    int r = sys_bpf(BPF_PROG_QUERY, &a);
    if (r == -ENOSPC)
        return 0; /* more than *cnt attached: ids holds the first *cnt */
    if (r < 0)
        return r;
    *cnt = a.query.prog_cnt < *cnt ? a.query.prog_cnt : *cnt;
    return 0;
}

int rw_bpf_sys_prog_fd_by_id(uint32_t id)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.prog_id = id;
    return sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
}

int rw_bpf_sys_link_create(int prog_fd, int target_fd, unsigned attach_type)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.link_create.prog_fd = (uint32_t)prog_fd;
    a.link_create.target_fd = (uint32_t)target_fd;
    a.link_create.attach_type = attach_type;
    return sys_bpf(BPF_LINK_CREATE, &a);
}
