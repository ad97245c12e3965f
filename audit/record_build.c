/* Builds the JSON body of audit records. Field order is fixed (event first, as the log
 * requires) and unknown values are explicit nulls, so a reader can tell "unknown" from
 * "not recorded". */
#include "record_build.h"

#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "identity.h"
#include "audit_time.h"
#include "jsonstr.h"

#define MAX_ARGS 512

static json_t *strv_json(char *const *v, size_t max)
{
    json_t *a = json_array();
    for (size_t i = 0; a && v && v[i] && i < max; i++)
        json_array_append_new(a, rw_audit_jstrn(v[i], strnlen(v[i], 8192)));
    return a ? a : json_null();
}

static json_t *argv_json(int argc, char *const *argv)
{
    json_t *a = json_array();
    for (int i = 0; a && argv && i < argc && i < MAX_ARGS; i++)
        json_array_append_new(a, rw_audit_jstrn(argv[i], strnlen(argv[i], 8192)));
    return a ? a : json_null();
}

static json_t *findings_json(const rw_findings_t *f)
{
    json_t *a = json_array();
    for (size_t i = 0; a && f && i < f->n; i++) {
        const rw_finding_t *x = &f->items[i];
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "severity", json_string(rw_severity_name(x->severity)));
        json_object_set_new(o, "stage", rw_audit_jstr(x->stage));
        json_object_set_new(o, "rule", rw_audit_jstr(x->rule));
        json_object_set_new(o, "field", rw_audit_jstr(x->field));
        json_object_set_new(o, "value", rw_audit_jstr(x->value));
        json_object_set_new(o, "fix", rw_audit_jstr(x->fix));
        json_array_append_new(a, o);
    }
    return a ? a : json_null();
}

static json_t *process_json(const rw_audit_event_t *ev)
{
    const rw_spec_process_t *p = NULL;
    if (ev->process && ev->process->process.present)
        p = &ev->process->process;
    else if (!ev->exec_args && ev->spec && ev->spec->process.present)
        p = &ev->spec->process;
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (p) {
        json_object_set_new(o, "args", strv_json(p->args, MAX_ARGS));
        json_object_set_new(o, "cwd", rw_audit_jstr(p->cwd));
        json_object_set_new(o, "uid", p->uid >= 0 ? json_integer(p->uid) : json_null());
        json_object_set_new(o, "gid", p->gid >= 0 ? json_integer(p->gid) : json_null());
        json_object_set_new(o, "terminal", json_boolean(p->terminal));
    } else if (ev->exec_args) {
        json_object_set_new(o, "args", strv_json(ev->exec_args, MAX_ARGS));
        json_object_set_new(o, "user", rw_audit_jstr(ev->exec_user));
    } else {
        json_decref(o);
        return json_null();
    }
    return o;
}

static json_t *host_json(void)
{
    struct utsname u;
    if (uname(&u) < 0)
        return json_null();
    return rw_audit_jstr(u.nodename);
}

char *rw_audit_record_dump(const json_t *rec, size_t *ret_len)
{
    /* ASCII-only and compact: one record is exactly one line, whatever the input bytes. */
    char *s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (s && ret_len)
        *ret_len = strlen(s);
    return s;
}

char *rw_audit_record_build(const rw_audit_event_t *ev, bool full, size_t *ret_len)
{
    cleanup_json json_t *o = json_object();
    if (!o)
        return NULL;
    char t[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(t);
    json_object_set_new(o, "event", json_string(ev->event ? ev->event : "unknown"));
    json_object_set_new(o, "time", json_string(t));
    json_object_set_new(o, "host", host_json());
    const rw_audit_container_t *c = ev->container;
    if (full) {
        json_object_set_new(o, "decision", rw_audit_jstr(ev->decision));
        json_object_set_new(o, "mode", rw_audit_jstr(ev->mode));
        if (ev->error)
            json_object_set_new(o, "error", rw_audit_jstr(ev->error));
        json_object_set_new(o, "container", c ? rw_audit_container_json(c) : json_null());
        json_t *eng = json_object();
        if (eng) {
            json_object_set_new(eng, "name", rw_audit_jstr(c ? c->engine : NULL));
            json_object_set_new(eng, "evidence", rw_audit_jstr(c ? c->engine_evidence : NULL));
        }
        json_object_set_new(o, "engine", eng ? eng : json_null());
        json_object_set_new(o, "bundle",
                            rw_audit_jstr(ev->bundle ? ev->bundle
                                          : c        ? c->bundle
                                                     : NULL));
        json_object_set_new(o, "image", c ? rw_audit_image_json(c) : json_null());
        json_object_set_new(o, "config_sha256",
                            ev->config_sha256 && *ev->config_sha256 ? json_string(ev->config_sha256)
                                                                    : json_null());
        json_object_set_new(o, "process", process_json(ev));
        json_object_set_new(o, "rules", findings_json(ev->findings));
        json_object_set_new(o, "changes", ev->changes ? json_incref(ev->changes) : json_array());
        json_object_set_new(o, "facts", ev->facts ? json_incref(ev->facts) : json_object());
    } else {
        json_t *ci = json_object();
        if (ci) {
            json_object_set_new(ci, "id", rw_audit_jstr(c ? c->id : NULL));
            if (c && c->name)
                json_object_set_new(ci, "name", rw_audit_jstr(c->name));
        }
        json_object_set_new(o, "container", ci ? ci : json_null());
        if (ev->signal)
            json_object_set_new(o, "signal", rw_audit_jstr(ev->signal));
        if (ev->text)
            json_object_set_new(o, "text", rw_audit_jstr(ev->text));
    }
    json_t *rt = json_object();
    if (rt) {
        json_object_set_new(rt, "path", rw_audit_jstr(ev->runtime_path));
        json_object_set_new(rt, "argv", argv_json(ev->argc, ev->argv));
    }
    json_object_set_new(o, "runtime", rt ? rt : json_null());
    json_t *who = rw_identity_json(ev->who, full);
    json_object_set_new(o, "who", who ? who : json_null());
    if (full)
        json_object_set_new(o, "linux_audit",
                            ev->linux_audit ? json_incref(ev->linux_audit) : json_null());
    json_t *me = json_object();
    if (me) {
        json_object_set_new(me, "version", json_string(RW_VERSION));
        json_object_set_new(me, "pid", json_integer(getpid()));
    }
    json_object_set_new(o, "runwarden", me ? me : json_null());
    return rw_audit_record_dump(o, ret_len);
}
