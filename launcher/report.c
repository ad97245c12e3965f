/* Refusal/warning output. Lines are single, printable, and avoid the phrases that podman
 * and conmon turn into "command not found" style exit codes. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"

static const struct {
    const char *from, *to;
} replacements[] = {
    {"no such file or directory", "does not exist (ENOENT)"},
    {"permission denied", "access refused (EACCES)"},
    {"operation not permitted", "operation refused (EPERM)"},
    {"not found", "missing"},
    {"no such file", "missing file"},
    {"executable file", "program file"},
};

void rw_report_sanitize(const char *in, char *out, size_t out_size)
{
    size_t o = 0;
    if (out_size == 0)
        return;
    while (*in && o + 1 < out_size) {
        bool replaced = false;
        for (size_t i = 0; i < RW_ARRAY_SIZE(replacements); i++) {
            size_t fl = strlen(replacements[i].from);
            if (strncasecmp(in, replacements[i].from, fl) != 0)
                continue;
            int n = snprintf(out + o, out_size - o, "%s", replacements[i].to);
            o += (n > 0 && (size_t)n < out_size - o) ? (size_t)n : out_size - o - 1;
            in += fl;
            replaced = true;
            break;
        }
        if (replaced)
            continue;
        char c = *in++;
        out[o++] = (c == '\n' || c == '\r') ? ' ' : c;
    }
    out[o] = '\0';
}

static void log_line(const rw_invocation_t *inv, const char *level, const char *msg)
{
    if (!inv || !inv->log_file || !*inv->log_file)
        return;
    const char *path = inv->log_file;
    /* crun accepts "file:PATH"; journald/syslog targets are not files. */
    if (strncmp(path, "file:", 5) == 0)
        path += 5;
    else if (strncmp(path, "journald:", 9) == 0 || strncmp(path, "syslog:", 7) == 0)
        return;
    cleanup_close int fd =
        open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[64];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    char stamp[96];
    snprintf(stamp, sizeof(stamp), "%s.%09ldZ", when, ts.tv_nsec);
    cleanup_free char *line = NULL;
    if (inv->log_format && strcmp(inv->log_format, "json") == 0) {
        json_t *o = json_object();
        if (!o)
            return;
        json_object_set_new(o, "msg", json_string(msg));
        json_object_set_new(o, "level", json_string(level));
        json_object_set_new(o, "time", json_string(stamp));
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (s && asprintf(&line, "%s\n", s) < 0)
            line = NULL;
        free(s);
    } else {
        json_t *q = json_string(msg);
        char *quoted = q ? json_dumps(q, JSON_ENCODE_ANY) : NULL;
        if (q)
            json_decref(q);
        if (quoted && asprintf(&line, "time=\"%s\" level=%s msg=%s\n", stamp, level, quoted) < 0)
            line = NULL;
        free(quoted);
    }
    if (line)
        (void)rw_write_all(fd, line, strlen(line));
}

static void emit(const rw_invocation_t *inv, const char *kind, const char *level,
                 const char *msg)
{
    char buf[2048];
    rw_report_sanitize(msg ? msg : "", buf, sizeof(buf));
    fprintf(stderr, "runwarden: %s: %s\n", kind, buf);
    char logged[2200];
    snprintf(logged, sizeof(logged), "runwarden: %s: %s", kind, buf);
    log_line(inv, level, logged);
}

void rw_report_refusal(const rw_invocation_t *inv, const char *msg)
{
    emit(inv, "refused", "error", msg);
}

void rw_report_warning(const rw_invocation_t *inv, const char *msg)
{
    emit(inv, "warning", "warning", msg);
}

void rw_report_error(const rw_invocation_t *inv, const char *msg)
{
    emit(inv, "refused", "error", msg);
}
