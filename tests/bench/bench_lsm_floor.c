/* bench_lsm_floor: the cheapest possible program in front of another one: it only execs
 * argv[1..]. Built like the Landlock launcher (no libc, static, ll_sys.h), it measures the
 * floor that any launcher pays on this machine, one execve of a trivial static binary, so
 * that bench_lsm.sh can say how much of the launcher's cost is its own work.
 *   bench_lsm_floor PROGRAM [ARGS...] */
#include "profiles/landlock/ll_sys.h"

static int floor_main(int argc, char **argv, char **envp)
{
    if (argc < 2)
        return 2;
    ll_sys3(SYS_execve, argv[1], argv + 1, envp);
    return 127;
}

#ifdef RW_LL_NOLIBC
_Noreturn void ll_start(long *sp);

LL_ENTRY;

_Noreturn void ll_start(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    int rc = floor_main(argc, argv, argv + argc + 1);
    for (;;)
        ll_sys1(SYS_exit_group, rc);
}
#else
int main(int argc, char **argv, char **envp)
{
    return floor_main(argc, argv, envp);
}
#endif
