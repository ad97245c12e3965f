/* UTC timestamps for audit records and the time filters of `audit show`. */
#include "audit_time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rw_audit_time_format(const struct timespec *ts, char out[RW_AUDIT_TIME_LEN])
{
    struct tm tm;
    gmtime_r(&ts->tv_sec, &tm);
    /* formatted wide, then cut: years past 9999 are not a concern of this log */
    char wide[128];
    int n =
        snprintf(wide, sizeof(wide), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)ts->tv_nsec);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len > RW_AUDIT_TIME_LEN - 1)
        len = RW_AUDIT_TIME_LEN - 1;
    memcpy(out, wide, len);
    out[len] = '\0';
}

void rw_audit_time_now(char out[RW_AUDIT_TIME_LEN])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rw_audit_time_format(&ts, out);
}

static int relative(const char *s, time_t now, char out[RW_AUDIT_TIME_LEN])
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || n < 0 || end[0] == '\0' || end[1] != '\0')
        return -EINVAL;
    long long mul;
    switch (end[0]) {
    case 's':
        mul = 1;
        break;
    case 'm':
        mul = 60;
        break;
    case 'h':
        mul = 3600;
        break;
    case 'd':
        mul = 86400;
        break;
    default:
        return -EINVAL;
    }
    if (n > 100LL * 366 * 86400 / mul)
        return -EINVAL;
    struct timespec ts = {.tv_sec = now - (time_t)(n * mul), .tv_nsec = 0};
    rw_audit_time_format(&ts, out);
    return 0;
}

int rw_audit_time_parse(const char *s, time_t now, char out[RW_AUDIT_TIME_LEN])
{
    if (!s || !*s)
        return -EINVAL;
    if (relative(s, now, out) == 0)
        return 0;
    int Y = 0, M = 0, D = 0, h = 0, m = 0, sec = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &used) != 3 || used != 10)
        return -EINVAL;
    const char *p = s + used;
    long nsec = 0;
    if (*p == 'T' || *p == ' ') {
        int u2 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &m, &u2) != 2 || u2 != 5)
            return -EINVAL;
        p += 1 + u2;
        if (*p == ':') {
            int u3 = 0;
            if (sscanf(p + 1, "%2d%n", &sec, &u3) != 1 || u3 != 2)
                return -EINVAL;
            p += 3;
            if (*p == '.') {
                p++;
                long scale = 100000000;
                while (*p >= '0' && *p <= '9') {
                    nsec += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
        if (*p == 'Z')
            p++;
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -EINVAL;
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec};
    struct timespec ts = {.tv_sec = timegm(&tm), .tv_nsec = nsec};
    rw_audit_time_format(&ts, out);
    return 0;
}
