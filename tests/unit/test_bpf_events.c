/* The records made from the kernel's lifetime events (audit/bpf_events.c): a binding
 * ("ebpf-attach") and an end ("ebpf-summary", with the exact counters), from events whose
 * container id fills its field without a NUL and carries bytes that must be escaped; each
 * body is one valid JSON object naming the container, and the follow line stays printable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "audit/bpf_shared.h"

static json_t *body_of(const struct rw_bpf_event *e)
{
    char buf[RW_BPF_BODY_MAX];
    int n = rw_bpf_event_body(e, NULL, buf, sizeof(buf));
    assert_true(n > 0);
    json_error_t je;
    json_t *j = json_loadb(buf, (size_t)n, 0, &je);
    if (!j)
        fail_msg("not JSON (%s): %s", je.text, buf);
    return j;
}

static void test_bind(void **state)
{
    (void)state;
    struct rw_bpf_event e;
    memset(&e, 0, sizeof(e));
    e.kind = RW_BPF_EV_BIND;
    e.cgroup_id = 4242;
    e.time_ns = 1000000000ull;
    memcpy(e.comm, "crun", 4);
    memcpy(e.u.bind.id, "ctr-\"quoted\"\\", 13);
    e.u.bind.runtime_pid = 100;
    e.u.bind.task_pid = 101;
    json_t *j = body_of(&e);
    assert_string_equal(json_string_value(json_object_get(j, "event")), "ebpf-attach");
    assert_string_equal(json_string_value(json_object_get(j, "container")), "ctr-\"quoted\"\\");
    assert_string_equal(json_string_value(json_object_get(j, "outcome")), "attached");
    assert_int_equal(json_integer_value(json_object_get(j, "cgroupId")), 4242);
    assert_int_equal(json_integer_value(json_object_get(j, "runtimePid")), 100);
    assert_int_equal(json_integer_value(json_object_get(j, "pid")), 101);
    assert_string_equal(json_string_value(json_object_get(j, "movedBy")), "crun");
    json_decref(j);
}

static void test_end_full_id(void **state)
{
    (void)state;
    struct rw_bpf_event e;
    memset(&e, 0, sizeof(e));
    e.kind = RW_BPF_EV_END;
    e.cgroup_id = 7;
    memset(e.u.end.id, 'a', sizeof(e.u.end.id)); /* no NUL: bounded by the field */
    e.u.end.id[3] = '\n';                        /* a control byte: escaped */
    e.u.end.n[RW_BPF_EV_EXEC] = 3;
    e.u.end.n[RW_BPF_EV_CONNECT] = 1000000;
    e.u.end.refused = 2;
    e.u.end.lost = 9;
    json_t *j = body_of(&e);
    assert_string_equal(json_string_value(json_object_get(j, "event")), "ebpf-summary");
    const char *id = json_string_value(json_object_get(j, "container"));
    assert_non_null(id);
    assert_null(strchr(id, '\n'));
    assert_true(strlen(id) >= RW_BPF_ID_MAX - 1 && strlen(id) <= RW_BPF_ID_MAX + 8);
    json_t *c = json_object_get(j, "counters");
    assert_int_equal(json_integer_value(json_object_get(c, "exec")), 3);
    assert_int_equal(json_integer_value(json_object_get(c, "connect")), 1000000);
    assert_int_equal(json_integer_value(json_object_get(c, "refused")), 2);
    assert_int_equal(json_integer_value(json_object_get(c, "lost")), 9);
    assert_non_null(strstr(json_string_value(json_object_get(j, "released")), "kernel"));
    json_decref(j);

    char line[512];
    assert_int_equal(rw_bpf_event_line(&e, "x", line, sizeof(line)), 0);
    for (const char *p = line; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
    assert_non_null(strstr(line, "end"));
}

static void test_small_buffer(void **state)
{
    (void)state;
    struct rw_bpf_event e;
    memset(&e, 0, sizeof(e));
    e.kind = RW_BPF_EV_END;
    memset(e.u.end.id, 'b', sizeof(e.u.end.id));
    char buf[64];
    assert_int_equal(rw_bpf_event_body(&e, NULL, buf, sizeof(buf)), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bind),
        cmocka_unit_test(test_end_full_id),
        cmocka_unit_test(test_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
