/* The final execve. argv[0] becomes the real runtime's path because crun picks a handler
 * from its basename (crun-wasm, krun), and our shim names must not leak into that. */
#include "exec_runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int rw_exec_check_not_self(const char *runtime_path, rw_error_t **err)
{
    struct stat self, rt;
    if (runtime_path[0] != '/')
        return rw_error_set(err, EINVAL, "runtime path '%s' must be absolute", runtime_path);
    if (stat(runtime_path, &rt) < 0)
        return rw_error_setsys(err, errno, "real runtime %s", runtime_path);
    if (stat("/proc/self/exe", &self) < 0)
        return rw_error_setsys(err, errno, "cannot stat /proc/self/exe");
    if (self.st_dev == rt.st_dev && self.st_ino == rt.st_ino)
        return rw_error_set(err, ELOOP,
                            "the runtime configured as %s is runwarden itself; map the shim to "
                            "the real runc or crun in runtimes",
                            runtime_path);
    if (!S_ISREG(rt.st_mode))
        return rw_error_set(err, EINVAL, "real runtime %s is not a regular file", runtime_path);
    return 0;
}

int rw_exec_runtime(const char *runtime_path, int argc, char **argv, rw_error_t **err)
{
    char *saved = argv[0];
    argv[0] = (char *)runtime_path;
    (void)argc;
    execve(runtime_path, argv, environ);
    int e = errno;
    argv[0] = saved;
    return rw_error_setsys(err, e, "cannot execute the real runtime %s", runtime_path);
}

int rw_exec_runtime_wait(const char *runtime_path, int argc, char **argv, rw_error_t **err)
{
    pid_t pid = fork();
    if (pid < 0)
        return rw_error_setsys(err, errno, "fork");
    if (pid == 0) {
        rw_exec_runtime(runtime_path, argc, argv, NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return rw_error_setsys(err, errno, "waitpid");
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
