/* Fuzz target: the files an exec record reads from the runtime's state (runc state.json,
 * crun status, config.json) and the json_path walker under them. The walker is checked
 * against jansson: they must agree on every input, except what jansson alone refuses by
 * design (duplicate members off the wanted paths, numbers beyond 64 bits), nesting
 * between the walker's bound and jansson's, and raw NUL bytes, which jansson sometimes
 * skips. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/json_path.h"
#include "audit/runtime_state.h"

/* What jansson refuses and the walker rightly takes. */
static bool jansson_only(const json_error_t *e)
{
    return strstr(e->text, "duplicate") || strstr(e->text, "too big") ||
           strstr(e->text, "overflow");
}

static void differential(const char *buf, size_t size)
{
    static const char *const p_id[] = {"id", NULL}, *const p_l[] = {"config", "labels", NULL},
                             *const p_b[] = {"bundle", NULL}, *const p_a[] = {"annotations", NULL};
    rw_audit_json_want_t w[] = {{.path = p_id}, {.path = p_l}, {.path = p_b}, {.path = p_a}};
    const char *why = NULL;
    size_t err_off = 0;
    int r = rw_audit_json_find(buf, size, w, 4, &why, &err_off);
    json_error_t je;
    json_t *j = json_loadb(buf, size, JSON_REJECT_DUPLICATES, &je);
    bool theirs = j && json_is_object(j);
    if (j)
        json_decref(j);
    if (r == 0) {
        for (size_t k = 0; k < 4; k++) {
            if (w[k].off > size || w[k].len > size - w[k].off)
                abort(); /* a slice outside the input */
            /* every located member is a whole JSON value on its own */
            json_error_t se;
            json_t *v = w[k].len ? json_loadb(buf + w[k].off, w[k].len,
                                              JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &se)
                                 : NULL;
            if (v)
                json_decref(v);
            else if (w[k].len && !jansson_only(&se))
                abort();
        }
        if (!theirs && !jansson_only(&je))
            abort(); /* the walker accepted what jansson calls invalid */
    } else if (theirs && (!why || strcmp(why, "nested too deeply") != 0) && !memchr(buf, 0, size)) {
        /* (jansson's reader skips some raw NUL bytes; JSON has none) */
        abort(); /* the walker refused a valid object */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    const char *buf = (const char *)data;
    differential(buf, size);

    rw_audit_runtime_state_t st = {0};
    if (rw_audit_runc_state_parse(buf, size, "c1", &st) > 0) {
        if (!st.bundle || !rw_audit_bundle_path_ok(st.bundle))
            abort();
        if (st.annotations && !json_is_object(st.annotations))
            abort();
    }
    rw_audit_runtime_state_clear(&st);
    if (rw_audit_crun_status_parse(buf, size, &st) > 0 && !rw_audit_bundle_path_ok(st.bundle))
        abort();
    rw_audit_runtime_state_clear(&st);
    json_t *ann = NULL;
    if (rw_audit_config_annotations_parse(buf, size, &ann) > 0 && !json_is_object(ann))
        abort();
    if (ann)
        json_decref(ann);

    /* the name checks on the raw bytes as one string */
    if (size < 8192) {
        char *s = strndup(buf, size);
        if (s) {
            (void)rw_audit_runtime_id_ok(s);
            (void)rw_audit_bundle_path_ok(s);
            free(s);
        }
    }
    return 0;
}
