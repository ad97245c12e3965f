/* Client side of runwarden-trust-verify: one socketpair carries the request (then a
 * half-close) and the answer; the helper gets an empty environment, /dev/null as stderr
 * and a deadline. */
#include "trust_verify_client.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../conf/trust_base64.h"
#include "verify/verify_protocol.h"

#define HELPER_TIMEOUT_MS 60000

void rw_trust_vring_clear(rw_trust_vring_t *r)
{
    free(r->error);
    r->error = NULL;
}

void rw_trust_vjob_clear(rw_trust_vjob_t *j)
{
    free(j->key);
    free(j->signed_payload);
    free(j->error);
    j->key = j->error = NULL;
    j->signed_payload = NULL;
}

static bool executable(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

char *rw_trust_verify_helper_path(const rw_trust_config_t *cfg)
{
    if (cfg && cfg->verify_helper)
        return strdup(cfg->verify_helper);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            char *p = NULL;
            if (asprintf(&p, "%s/%s", self, RW_TRUST_VERIFY_HELPER) >= 0) {
                if (executable(p))
                    return p;
                free(p);
            }
        }
    }
    char *p = NULL;
    if (asprintf(&p, "%s/%s", RW_LIBEXECDIR, RW_TRUST_VERIFY_HELPER) < 0)
        return NULL;
    return p;
}

static json_t *b64(const uint8_t *d, size_t n)
{
    char *s = rw_trust_b64_encode(d, n);
    if (!s)
        return NULL;
    json_t *j = json_string(s);
    free(s);
    return j;
}

static char *build_request(const rw_trust_vring_t *rings, size_t nr, const rw_trust_vjob_t *jobs,
                           size_t nj)
{
    json_t *jr = json_array(), *jj = json_array();
    for (size_t i = 0; jr && i < nr; i++) {
        json_t *keys = json_array();
        for (size_t k = 0; keys && k < rings[i].n_keys; k++)
            json_array_append_new(keys, b64(rings[i].keys[k].data, rings[i].keys[k].len));
        json_array_append_new(jr, json_pack("{s:s,s:o}", "type", rings[i].type, "keys", keys));
    }
    for (size_t i = 0; jj && i < nj; i++) {
        json_t *o = json_pack("{s:I,s:o}", "keyring", (json_int_t)jobs[i].ring, "signature",
                              b64(jobs[i].sig, jobs[i].sig_len));
        if (o && jobs[i].payload)
            json_object_set_new(o, "payload", b64(jobs[i].payload, jobs[i].payload_len));
        json_array_append_new(jj, o);
    }
    json_t *req = json_pack("{s:o,s:o}", "keyrings", jr, "jobs", jj);
    char *s = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    return s;
}

static long ms_left(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Writes the request, half-closes, reads the whole answer. */
static int exchange(int fd, const char *req, size_t req_len, char **ret, size_t *ret_len,
                    const struct timespec *deadline)
{
    size_t off = 0, cap = 1 << 16, len = 0;
    cleanup_free char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    bool wdone = req_len == 0;
    if (wdone)
        shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd p = {fd, (short)(POLLIN | (wdone ? 0 : POLLOUT)), 0};
        long left = ms_left(deadline);
        if (left <= 0)
            return -ETIMEDOUT;
        int pr = poll(&p, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return -errno;
        if (pr == 0)
            return -ETIMEDOUT;
        if (!wdone && (p.revents & POLLOUT)) {
            ssize_t w = send(fd, req + off, req_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                return -errno;
            if (w > 0)
                off += (size_t)w;
            if (off == req_len) {
                wdone = true;
                shutdown(fd, SHUT_WR);
            }
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            if (len + 1 >= cap) {
                if (cap >= RW_TRUST_VERIFY_MAX_ANSWER)
                    return -EFBIG;
                char *nb = realloc(buf, cap * 2);
                if (!nb)
                    return -ENOMEM;
                buf = nb;
                cap *= 2;
            }
            ssize_t n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n < 0)
                return -errno;
            if (n == 0)
                break;
            len += (size_t)n;
        }
    }
    buf[len] = '\0';
    *ret_len = len;
    *ret = TAKE_PTR(buf);
    return 0;
}

static int parse_answer(const char *buf, size_t len, rw_trust_vring_t *rings, size_t nr,
                        rw_trust_vjob_t *jobs, size_t nj, rw_error_t **err)
{
    json_error_t je;
    json_t *a = json_loadb(buf, len, 0, &je);
    if (!a)
        return rw_error_set(err, EPROTO, "the signature verifier gave no usable answer");
    int r = 0;
    json_t *e = json_object_get(a, "error");
    json_t *jr = json_object_get(a, "keyrings"), *jj = json_object_get(a, "jobs");
    if (json_is_string(e)) {
        r = rw_error_set(err, EPROTO, "the signature verifier failed: %s", json_string_value(e));
    } else if (!json_is_array(jr) || !json_is_array(jj) || json_array_size(jr) != nr ||
               json_array_size(jj) != nj) {
        r = rw_error_set(err, EPROTO, "the signature verifier gave a malformed answer");
    }
    for (size_t i = 0; r >= 0 && i < nr; i++) {
        json_t *o = json_array_get(jr, i);
        rings[i].ok = json_is_true(json_object_get(o, "ok"));
        const char *m = json_string_value(json_object_get(o, "error"));
        if (!rings[i].ok && !(rings[i].error = strdup(m ? m : "keys could not be loaded")))
            r = -ENOMEM;
    }
    for (size_t i = 0; r >= 0 && i < nj; i++) {
        json_t *o = json_array_get(jj, i);
        rw_trust_vjob_t *j = &jobs[i];
        j->ok = json_is_true(json_object_get(o, "ok"));
        if (!j->ok) {
            const char *m = json_string_value(json_object_get(o, "error"));
            if (!(j->error = strdup(m ? m : "verification failed")))
                r = -ENOMEM;
            continue;
        }
        const char *k = json_string_value(json_object_get(o, "key"));
        json_t *p = json_object_get(o, "payload");
        if (!k || !(j->key = strdup(k))) {
            r = rw_error_set(err, EPROTO, "the signature verifier gave a malformed answer");
            break;
        }
        if (json_is_string(p) &&
            rw_trust_b64_decode(json_string_value(p), json_string_length(p), false,
                                &j->signed_payload, &j->signed_payload_len) < 0)
            r = rw_error_set(err, EPROTO, "the signature verifier gave a malformed payload");
    }
    json_decref(a);
    return r;
}

int rw_trust_verify_run(const char *helper, rw_trust_vring_t *rings, size_t n_rings,
                        rw_trust_vjob_t *jobs, size_t n_jobs, rw_error_t **err)
{
    if (!executable(helper))
        return rw_error_set(err, ENOEXEC,
                            "the signature verifier %s is missing or not "
                            "executable (install runwarden-trust-verify)",
                            helper);
    cleanup_free char *req = build_request(rings, n_rings, jobs, n_jobs);
    if (!req)
        return -ENOMEM;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return rw_error_setsys(err, errno, "cannot start the signature verifier");
    cleanup_close int mine = sv[0];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, sv[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {(char *)RW_TRUST_VERIFY_HELPER, NULL};
    char *envp[] = {NULL};
    pid_t pid = -1;
    int sr = posix_spawn(&pid, helper, &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(sv[1]);
    if (sr != 0)
        return rw_error_setsys(err, sr, "cannot start the signature verifier %s", helper);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += HELPER_TIMEOUT_MS / 1000;
    cleanup_free char *ans = NULL;
    size_t ans_len = 0;
    int r = exchange(mine, req, strlen(req), &ans, &ans_len, &deadline);
    if (r < 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (r == -ETIMEDOUT)
        return rw_error_set(err, ETIMEDOUT, "the signature verifier did not answer in %d s",
                            HELPER_TIMEOUT_MS / 1000);
    if (r < 0)
        return rw_error_setsys(err, -r, "cannot talk to the signature verifier");
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 2))
        return rw_error_set(err, EPROTO, "the signature verifier %s",
                            WIFSIGNALED(status) ? "crashed" : "failed");
    return parse_answer(ans, ans_len, rings, n_rings, jobs, n_jobs, err);
}
