/* probe_cgclone: a stand-in runtime for the eBPF binding tests. runwarden execs it in place
 * of crun; it makes the cgroup v2 directory named by $RW_PROBE_CGROUP, starts the
 * "container" in it the way a runtime does, waits for it and removes the directory:
 *   RW_PROBE_MODE=clone3  clone3(CLONE_INTO_CGROUP): the child is born in the cgroup and
 *                         nothing is moved (crun on a pure cgroup v2 host)
 *   RW_PROBE_MODE=detach  a child that forks again and exits; the grandchild, reparented,
 *                         moves itself into the cgroup (double fork, like crun --detach)
 * The container process execs $RW_PROBE_EXEC (default /bin/true). Arguments are ignored
 * (they are the runtime's). Prints "cgroup ID" (the directory's inode: its cgroup id) and
 * "child exit N"; exit 0 when the child exited 0. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static void run_container(const char *exe)
{
    execl(exe, exe, (char *)NULL);
    _exit(127);
}

/* Writes this process's pid into DIR/cgroup.procs. */
static int join(const char *dir)
{
    char path[4096], pid[24];
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
    int r = write(fd, pid, (size_t)n) == n ? 0 : -1;
    close(fd);
    return r;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("RW_PROBE_CGROUP");
    const char *mode = getenv("RW_PROBE_MODE");
    const char *exe = getenv("RW_PROBE_EXEC");
    if (!exe)
        exe = "/bin/true";
    if (!dir || !mode) {
        fprintf(stderr, "probe_cgclone: set RW_PROBE_CGROUP and RW_PROBE_MODE\n");
        return 2;
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return probe_report("mkdir", -1, errno);
    struct stat st;
    if (stat(dir, &st) < 0)
        return probe_report("stat", -1, errno);
    printf("cgroup %llu\n", (unsigned long long)st.st_ino);
    fflush(stdout);

    pid_t pid;
    if (strcmp(mode, "clone3") == 0) {
        int cfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cfd < 0)
            return probe_report("open cgroup", -1, errno);
        struct clone_args ca;
        memset(&ca, 0, sizeof(ca));
        ca.flags = CLONE_INTO_CGROUP;
        ca.exit_signal = SIGCHLD;
        ca.cgroup = (uint64_t)cfd;
        long r = syscall(SYS_clone3, &ca, sizeof(ca));
        if (r < 0)
            return probe_report("clone3", -1, errno);
        if (r == 0)
            run_container(exe);
        pid = (pid_t)r;
        close(cfd);
    } else if (strcmp(mode, "detach") == 0) {
        int p[2];
        if (pipe(p) < 0)
            return probe_report("pipe", -1, errno);
        pid_t mid = fork();
        if (mid < 0)
            return probe_report("fork", -1, errno);
        if (mid == 0) {
            if (setsid() < 0 || fork() != 0)
                _exit(0); /* the middle process leaves: the grandchild is reparented */
            close(p[0]);
            usleep(100000); /* let the middle one go first */
            if (join(dir) < 0)
                _exit(126);
            close(p[1]); /* ready: the runtime may stop waiting */
            run_container(exe);
        }
        close(p[1]);
        waitpid(mid, NULL, 0);
        char c;
        while (read(p[0], &c, 1) > 0)
            ;
        close(p[0]);
        /* not our child any more: wait until the cgroup is empty */
        for (int i = 0; i < 500; i++) {
            char path[4096], buf[64];
            snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf));
            if (fd >= 0)
                close(fd);
            if (n <= 0)
                break;
            usleep(10000);
        }
        printf("child exit 0\n");
        return rmdir(dir) < 0 ? probe_report("rmdir", -1, errno) : 0;
    } else {
        fprintf(stderr, "probe_cgclone: unknown RW_PROBE_MODE %s\n", mode);
        return 2;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return probe_report("waitpid", -1, errno);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    printf("child exit %d\n", code);
    if (rmdir(dir) < 0)
        return probe_report("rmdir", -1, errno);
    return code == 0 ? 0 : 1;
}
