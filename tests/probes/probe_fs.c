/* probe_fs: file-system actions inside a container, one result line each, so Landlock,
 * mount and LSM tests can assert on errno values.
 *   probe_fs ACTION:PATH [ACTION:PATH...]
 * ACTION: read (open O_RDONLY and read all), cat (read and print), write (O_WRONLY|O_CREAT|
 * O_TRUNC, writes "probe\n"), append, create (O_CREAT|O_EXCL), mkdir, rmdir, unlink, stat,
 * lstat, ls (lists entries, then the result line), exec (runs PATH with no arguments:
 * "exec PATH: exit=N: ok"),
 * chmod (0777), truncate (to 0), rename (PATH is SRC:DST), symlink (PATH is TARGET:LINK).
 * Prints "ACTION PATH: ok" or "ACTION PATH: errno=N ENAME". Exit 0 all ok, 1 any failed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static int read_all(const char *path, bool print)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        if (print)
            fwrite(buf, 1, (size_t)n, stdout);
    int e = errno;
    close(fd);
    errno = e;
    return n < 0 ? -1 : 0;
}

static int write_file(const char *path, int flags)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, "probe\n", 6);
    int e = errno;
    close(fd);
    errno = e;
    return n == 6 ? 0 : -1;
}

static int list_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            printf("  %s\n", de->d_name);
    closedir(d);
    return 0;
}

static int exec_status = -1;

static int run_exec(const char *path)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char *const av[] = {(char *)path, NULL};
        execv(path, av);
        _exit(126 + (errno == ENOENT));
    }
    int st = 0;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    exec_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

static int two_paths(const char *arg, int (*fn)(const char *, const char *))
{
    const char *colon = strchr(arg, ':');
    if (!colon) {
        errno = EINVAL;
        return -1;
    }
    char a[4096];
    snprintf(a, sizeof(a), "%.*s", (int)(colon - arg), arg);
    return fn(a, colon + 1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: probe_fs ACTION:PATH...\n");
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *colon = strchr(argv[i], ':');
        if (!colon) {
            fprintf(stderr, "probe_fs: expected ACTION:PATH, got '%s'\n", argv[i]);
            return 2;
        }
        char action[32];
        snprintf(action, sizeof(action), "%.*s", (int)(colon - argv[i]), argv[i]);
        const char *path = colon + 1;
        struct stat st;
        int r;
        errno = 0;
        if (strcmp(action, "read") == 0)
            r = read_all(path, false);
        else if (strcmp(action, "cat") == 0)
            r = read_all(path, true);
        else if (strcmp(action, "write") == 0)
            r = write_file(path, O_CREAT | O_TRUNC);
        else if (strcmp(action, "append") == 0)
            r = write_file(path, O_APPEND);
        else if (strcmp(action, "create") == 0)
            r = write_file(path, O_CREAT | O_EXCL);
        else if (strcmp(action, "mkdir") == 0)
            r = mkdir(path, 0755);
        else if (strcmp(action, "rmdir") == 0)
            r = rmdir(path);
        else if (strcmp(action, "unlink") == 0)
            r = unlink(path);
        else if (strcmp(action, "stat") == 0)
            r = stat(path, &st);
        else if (strcmp(action, "lstat") == 0)
            r = lstat(path, &st);
        else if (strcmp(action, "ls") == 0)
            r = list_dir(path);
        else if (strcmp(action, "exec") == 0)
            r = run_exec(path);
        else if (strcmp(action, "chmod") == 0)
            r = chmod(path, 0777);
        else if (strcmp(action, "truncate") == 0)
            r = truncate(path, 0);
        else if (strcmp(action, "rename") == 0)
            r = two_paths(path, rename);
        else if (strcmp(action, "symlink") == 0)
            r = two_paths(path, symlink);
        else {
            fprintf(stderr, "probe_fs: unknown action '%s'\n", action);
            return 2;
        }
        char what[4200];
        if (r == 0 && strcmp(action, "exec") == 0)
            snprintf(what, sizeof(what), "%s %s: exit=%d", action, path, exec_status);
        else
            snprintf(what, sizeof(what), "%s %s", action, path);
        rc |= probe_report(what, r, errno);
        fflush(stdout);
    }
    return rc;
}
