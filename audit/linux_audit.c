/* Kernel audit records through a dlopen()ed libaudit.so.1: the main binary stays free of
 * libaudit, and a host without it (or a kernel without audit) just records why nothing
 * was sent. */
#include "linux_audit.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/cleanup.h"

#define RW_AUDIT_VIRT_CONTROL 2500 /* libaudit.h: Start,Pause,Stop VM/container */

typedef int (*audit_open_fn)(void);
typedef void (*audit_close_fn)(int);
typedef int (*audit_log_user_message_fn)(int, int, const char *, const char *, const char *,
                                         const char *, int);

static struct {
    bool tried;
    void *h;
    audit_open_fn open;
    audit_close_fn close;
    audit_log_user_message_fn log;
    rw_audit_nv_encoder_t encode;
    char why[200];
} lib;

static bool load(void)
{
    if (lib.tried)
        return lib.h != NULL;
    lib.tried = true;
    lib.h = dlopen("libaudit.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib.h) {
        snprintf(lib.why, sizeof(lib.why), "libaudit.so.1 unavailable: %s", dlerror());
        return false;
    }
    lib.open = (audit_open_fn)dlsym(lib.h, "audit_open");
    lib.close = (audit_close_fn)dlsym(lib.h, "audit_close");
    lib.log = (audit_log_user_message_fn)dlsym(lib.h, "audit_log_user_message");
    lib.encode = (rw_audit_nv_encoder_t)dlsym(lib.h, "audit_encode_nv_string");
    if (!lib.open || !lib.close || !lib.log || !lib.encode) {
        snprintf(lib.why, sizeof(lib.why), "libaudit.so.1 lacks the functions we need");
        dlclose(lib.h);
        lib.h = NULL;
        return false;
    }
    return true;
}

/* Same rules as audit_encode_nv_string(3): quoted when safe, hex when the value holds a
 * space, a double quote, a control character, DEL or a non-ASCII byte. */
char *rw_audit_nv_encode(const char *name, const char *value, unsigned vlen)
{
    size_t len = vlen ? vlen : strlen(value);
    bool hex = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '"' || c <= ' ' || c >= 0x7f)
            hex = true;
    }
    char *out = NULL;
    if (!hex) {
        if (asprintf(&out, "%s=\"%.*s\"", name, (int)len, value) < 0)
            return NULL;
        return out;
    }
    size_t nl = strlen(name);
    out = malloc(nl + 1 + 2 * len + 1);
    if (!out)
        return NULL;
    memcpy(out, name, nl);
    out[nl] = '=';
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        out[nl + 1 + 2 * i] = hx[(unsigned char)value[i] >> 4];
        out[nl + 2 + 2 * i] = hx[(unsigned char)value[i] & 15];
    }
    out[nl + 1 + 2 * len] = '\0';
    return out;
}

static char *enc(rw_audit_nv_encoder_t encode, const char *name, const char *value)
{
    if (!value || !*value)
        value = "?";
    size_t l = strnlen(value, 1024);
    return encode(name, value, (unsigned)l);
}

char *rw_audit_linux_format(const rw_audit_linux_msg_t *m, rw_audit_nv_encoder_t encode)
{
    const rw_audit_container_t *c = m->container;
    const char *id = c && c->id ? c->id : NULL;
    cleanup_free char *vm = enc(encode, "vm", c && c->name ? c->name : id);
    cleanup_free char *uuid = enc(encode, "uuid", id);
    cleanup_free char *image = enc(encode, "image", c ? c->image_name : NULL);
    cleanup_free char *rule = m->rule ? enc(encode, "rule", m->rule) : NULL;
    cleanup_free char *user = enc(encode, "starter-user", m->who ? m->who->login_user : NULL);
    if (!vm || !uuid || !image || (m->rule && !rule) || !user)
        return NULL;
    long long auid = m->who && m->who->loginuid >= 0 ? (long long)m->who->loginuid : 4294967295LL;
    long long ses = m->who && m->who->sessionid >= 0 ? (long long)m->who->sessionid : 4294967295LL;
    long long uid = m->who ? (long long)m->who->uid : -1;
    char *s = NULL;
    /* engine and reason are words we chose; everything else is encoded */
    if (asprintf(&s,
                 "virt=runwarden op=%s reason=%s %s %s vm-pid=-1 engine=%s starter-auid=%lld "
                 "starter-ses=%lld starter-uid=%lld %s %s%s%s",
                 m->op, m->reason, vm, uuid, c && c->engine ? c->engine : "unknown", auid, ses, uid,
                 user, image, rule ? " " : "", rule ? rule : "") < 0)
        return NULL;
    return s;
}

/* Whether auditing is enabled is asked with AUDIT_GET over netlink (no library). The
 * kernel answers from a kernel thread it starts for the reply, which takes a while, so the
 * question goes out early (rw_audit_linux_probe_start) and the answer is read when the
 * message is due. When auditing is off the kernel drops user messages: loading libaudit
 * would cost a millisecond for nothing, and the JSON record says why nothing was sent. */
int rw_audit_linux_probe_start(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (fd < 0)
        return -errno;
    struct nlmsghdr req = {
        .nlmsg_len = NLMSG_LENGTH(0),
        .nlmsg_type = AUDIT_GET,
        .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
        .nlmsg_seq = 1,
    };
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, req.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* 1 enabled, 0 disabled, < 0 unknown (then we send anyway). Closes fd. */
static int probe_finish(int fd)
{
    if (fd < 0)
        return fd;
    int result = -EIO;
    for (int i = 0; i < 4 && result == -EIO; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            break;
        union {
            struct nlmsghdr h;
            char buf[8192];
        } u;
        ssize_t n = recv(fd, &u, sizeof(u), 0);
        if (n < 0)
            break;
        for (struct nlmsghdr *h = &u.h; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error != 0)
                    result = e->error; /* -EPERM without CAP_AUDIT_CONTROL */
            } else if (h->nlmsg_type == AUDIT_GET &&
                       h->nlmsg_len >= NLMSG_LENGTH(sizeof(uint32_t) * 2)) {
                const struct audit_status *st = NLMSG_DATA(h);
                result = st->enabled != 0;
            }
        }
    }
    close(fd);
    return result;
}

json_t *rw_audit_linux_send(const rw_audit_linux_msg_t *m, int probe_fd)
{
    int en = probe_finish(probe_fd);
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (en == 0 || en == -EPROTONOSUPPORT || en == -ECONNREFUSED) {
        json_object_set_new(o, "sent", json_false());
        json_object_set_new(o, "error",
                            json_string(en == 0 ? "kernel auditing is disabled"
                                                : "the kernel has no audit support"));
        return o;
    }
    if (!load()) {
        json_object_set_new(o, "sent", json_false());
        json_object_set_new(o, "error", json_string(lib.why));
        return o;
    }
    cleanup_free char *msg = rw_audit_linux_format(m, lib.encode);
    if (!msg) {
        json_object_set_new(o, "sent", json_false());
        json_object_set_new(o, "error", json_string("out of memory"));
        return o;
    }
    int fd = lib.open();
    if (fd < 0) {
        int e = errno;
        json_object_set_new(o, "sent", json_false());
        json_object_set_new(o, "error",
                            json_string(e == EPROTONOSUPPORT || e == EINVAL || e == EAFNOSUPPORT
                                            ? "the kernel has no audit support"
                                            : strerror(e)));
        return o;
    }
    int r = lib.log(fd, RW_AUDIT_VIRT_CONTROL, msg, NULL, NULL, NULL, m->success ? 1 : 0);
    int e = errno;
    lib.close(fd);
    if (r <= 0) {
        json_object_set_new(o, "sent", json_false());
        json_object_set_new(o, "error", json_string(strerror(e ? e : EIO)));
        return o;
    }
    json_object_set_new(o, "sent", json_true());
    json_object_set_new(o, "type", json_string("VIRT_CONTROL"));
    json_object_set_new(o, "op", json_string(m->op));
    return o;
}
