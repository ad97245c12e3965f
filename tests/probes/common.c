/* Helpers shared by the probes (built into each static probe). */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *probe_errname(int e)
{
    static char buf[16];
    if (e == 0)
        return "E0";
    const char *n = strerrorname_np(e);
    if (n)
        return n;
    snprintf(buf, sizeof(buf), "E%d", e);
    return buf;
}

bool probe_parse_long(const char *s, long *out)
{
    if (!s || !*s)
        return false;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno != 0 || !end || *end != '\0')
        return false;
    *out = v;
    return true;
}

int probe_report(const char *what, long ret, int err)
{
    if (ret >= 0) {
        printf("%s: ok\n", what);
        return 0;
    }
    printf("%s: errno=%d %s\n", what, err, probe_errname(err));
    return 1;
}
