/* The bpf(2) commands the hooks need on objects that are already pinned (open a pin, read
 * and change map entries, attach and detach cgroup programs, read object info), as raw
 * system calls: the main binary must not link libbpf. Each returns >= 0 or -errno. */
#pragma once

#include <linux/bpf.h>
#include <stdint.h>

/* fd of the object pinned at path (close-on-exec, as every bpf fd is). */
int rw_bpf_sys_obj_get(const char *path);
int rw_bpf_sys_obj_pin(int fd, const char *path);
int rw_bpf_sys_map_lookup(int map_fd, const void *key, void *value);
int rw_bpf_sys_map_update(int map_fd, const void *key, const void *value, uint64_t flags);
int rw_bpf_sys_map_delete(int map_fd, const void *key);
/* key NULL: the first key. -ENOENT after the last. */
int rw_bpf_sys_map_next_key(int map_fd, const void *key, void *next);
int rw_bpf_sys_map_info(int map_fd, struct bpf_map_info *info);
int rw_bpf_sys_prog_info(int prog_fd, struct bpf_prog_info *info);
int rw_bpf_sys_prog_attach(int prog_fd, int target_fd, unsigned attach_type, unsigned flags);
int rw_bpf_sys_prog_detach(int prog_fd, int target_fd, unsigned attach_type);
/* Programs attached to target_fd for attach_type: *cnt in = room in ids, out = count. */
int rw_bpf_sys_prog_query(int target_fd, unsigned attach_type, uint32_t *ids, uint32_t *cnt);
int rw_bpf_sys_prog_fd_by_id(uint32_t id);
/* A BPF link of prog_fd to target_fd (a cgroup directory): its fd. */
int rw_bpf_sys_link_create(int prog_fd, int target_fd, unsigned attach_type);
int rw_bpf_sys_link_info(int link_fd, struct bpf_link_info *info);
