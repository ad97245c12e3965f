/* The `ebpf` section parser: what it accepts (CIDRs, port ranges, protocols, tenants that
 * inherit and override), and that every mistake is refused with a message naming the JSON
 * path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/json.h"
#include "conf/config_ebpf.h"

typedef struct vector {
    const char *json;
    const char *error; /* NULL: accepted */
} vector_t;

static const vector_t vectors[] = {
    {"{}", NULL},
    {"{\"enabled\":false}", NULL},
    {"{\"egress\":[{\"cidr\":\"10.0.0.0/"
     "8\",\"ports\":[53,\"8000-8100\"],\"protocols\":[\"tcp\"]}]}",
     NULL},
    {"{\"egress\":[{\"cidr\":\"2001:db8::/32\"}],\"tenants\":{\"a\":{\"egress\":null}}}", NULL},
    {"{\"egress\":[]}", NULL},
    {"{\"egres\":[]}", "$.ebpf.egres: unknown key"},
    {"{\"egress\":[{\"cidr\":\"10.1.2.3/8\"}]}", "host bits set"},
    {"{\"egress\":[{\"cidr\":\"10.0.0.0/33\"}]}", "$.ebpf.egress[0].cidr"},
    {"{\"egress\":[{\"cidr\":\"10.0.0.0/08\"}]}", "$.ebpf.egress[0].cidr"},
    {"{\"egress\":[{\"cidr\":\"example.com\"}]}", "$.ebpf.egress[0].cidr"},
    {"{\"egress\":[{\"ports\":[80]}]}", "cidr: required"},
    {"{\"egress\":[{\"cidr\":\"0.0.0.0/0\",\"ports\":[0]}]}", "$.ebpf.egress[0].ports[0]"},
    {"{\"egress\":[{\"cidr\":\"0.0.0.0/0\",\"ports\":[\"90-80\"]}]}", "ports[0]"},
    {"{\"egress\":[{\"cidr\":\"0.0.0.0/0\",\"ports\":[\"80-\"]}]}", "ports[0]"},
    {"{\"egress\":[{\"cidr\":\"0.0.0.0/0\",\"ports\":[]}]}", "non-empty array"},
    {"{\"egress\":[{\"cidr\":\"0.0.0.0/0\",\"protocols\":[\"icmp\"]}]}", "protocols[0]"},
    {"{\"egress\":{\"cidr\":\"0.0.0.0/0\"}}", "$.ebpf.egress: must be an array"},
    {"{\"ringbufSize\":5000}", "power of two"},
    {"{\"ringbufSize\":1024}", "outside"},
    {"{\"pinDir\":\"/tmp/x\"}", "below /sys/fs/bpf/"},
    {"{\"pinDir\":\"/sys/fs/bpf/../x\"}", "normalised absolute path"},
    {"{\"stateDir\":\"relative\"}", "normalised absolute path"},
    {"{\"tenants\":{\"a\":{\"sysctlWrite\":true}}}", "$.ebpf.tenants.a.sysctlWrite: unknown key"},
    {"{\"tenants\":[]}", "must be an object"},
    {"{\"required\":\"yes\"}", "must be true or false"},
};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        rw_error_t *err = NULL;
        json_t *j = rw_json_parse(vectors[i].json, strlen(vectors[i].json), "t", &err);
        assert_non_null(j);
        rw_ebpf_config_t c;
        int r = rw_config_ebpf_parse(j, "runwarden.json", &c, &err);
        if (!vectors[i].error) {
            if (r < 0)
                fail_msg("vector %zu refused: %s", i, err ? err->msg : "?");
        } else {
            if (r >= 0)
                fail_msg("vector %zu accepted, expected '%s'", i, vectors[i].error);
            assert_non_null(err);
            if (!strstr(err->msg, vectors[i].error))
                fail_msg("vector %zu: '%s' lacks '%s'", i, err->msg, vectors[i].error);
        }
        rw_config_ebpf_clear(&c);
        rw_error_free(err);
        json_decref(j);
    }
}

static rw_ebpf_config_t parse_ok(const char *s)
{
    rw_error_t *err = NULL;
    json_t *j = rw_json_parse(s, strlen(s), "t", &err);
    assert_non_null(j);
    rw_ebpf_config_t c;
    int r = rw_config_ebpf_parse(j, "runwarden.json", &c, &err);
    if (r < 0)
        fail_msg("refused: %s", err ? err->msg : "?");
    json_decref(j);
    return c;
}

static void test_defaults(void **state)
{
    (void)state;
    rw_ebpf_config_t c;
    rw_error_t *err = NULL;
    assert_int_equal(rw_config_ebpf_parse(NULL, "x", &c, &err), 0);
    assert_false(c.enabled); /* no section: off */
    assert_false(c.required);
    assert_string_equal(c.pin_dir, RW_EBPF_DEFAULT_PIN_DIR);
    assert_int_equal(c.ringbuf_size, RW_EBPF_DEFAULT_RINGBUF);
    assert_false(c.defaults.egress_enforced);
    rw_config_ebpf_clear(&c);
    c = parse_ok("{}");
    assert_true(c.enabled); /* a present section means on */
    rw_config_ebpf_clear(&c);
}

static void test_rules_and_tenants(void **state)
{
    (void)state;
    rw_ebpf_config_t c = parse_ok(
        "{\"sysctlWrites\":true,\"egress\":[{\"cidr\":\"192.168.0.0/16\",\"ports\":[443,\"8000-"
        "8100\"],\"protocols\":[\"tcp\"]},{\"cidr\":\"::1\"}],\"tenants\":{\"open\":{\"egress\":"
        "null},\"raw\":{\"allowRawSockets\":true},\"closed\":{\"egress\":[],\"sysctlWrites\":"
        "false}}}");
    const rw_ebpf_policy_t *d = rw_config_ebpf_policy(&c, NULL);
    assert_true(d->egress_enforced);
    assert_int_equal(d->n_egress, 3); /* one rule per port range */
    assert_int_equal(d->egress[0].family, AF_INET);
    assert_int_equal(d->egress[0].prefix, 16);
    assert_int_equal(d->egress[0].port_lo, 443);
    assert_int_equal(d->egress[1].port_hi, 8100);
    assert_int_equal(d->egress[0].protos, RW_EBPF_PROTO_TCP);
    assert_int_equal(d->egress[2].family, AF_INET6);
    assert_int_equal(d->egress[2].prefix, 128);
    assert_int_equal(d->egress[2].protos, RW_EBPF_PROTO_TCP | RW_EBPF_PROTO_UDP);
    char buf[128];
    assert_int_equal(rw_config_ebpf_rule_format(&d->egress[1], buf, sizeof(buf)), 0);
    assert_string_equal(buf, "192.168.0.0/16 tcp 8000-8100");
    assert_int_equal(rw_config_ebpf_rule_format(&d->egress[2], buf, sizeof(buf)), 0);
    assert_string_equal(buf, "::1/128 tcp,udp any");

    const rw_ebpf_policy_t *open = rw_config_ebpf_policy(&c, "open");
    assert_false(open->egress_enforced); /* null lifts the inherited allowlist */
    assert_true(open->sysctl_writes);    /* inherited */
    const rw_ebpf_policy_t *raw = rw_config_ebpf_policy(&c, "raw");
    assert_true(raw->allow_raw_sockets);
    assert_int_equal(raw->n_egress, 3); /* inherited */
    const rw_ebpf_policy_t *closed = rw_config_ebpf_policy(&c, "closed");
    assert_true(closed->egress_enforced);
    assert_int_equal(closed->n_egress, 0); /* refuses all egress */
    assert_false(closed->sysctl_writes);
    assert_ptr_equal(rw_config_ebpf_policy(&c, "nobody"), d);
    rw_config_ebpf_clear(&c);
}

static void test_cidr(void **state)
{
    (void)state;
    rw_ebpf_rule_t r;
    assert_int_equal(rw_config_ebpf_parse_cidr("127.0.0.1", &r), 0);
    assert_int_equal(r.prefix, 32);
    assert_int_equal(rw_config_ebpf_parse_cidr("0.0.0.0/0", &r), 0);
    assert_int_equal(r.prefix, 0);
    assert_int_equal(rw_config_ebpf_parse_cidr("fe80::/10", &r), 0);
    assert_int_equal(rw_config_ebpf_parse_cidr("fe80::1/10", &r), -EDOM);
    assert_int_equal(rw_config_ebpf_parse_cidr("1.2.3.4/", &r), -EINVAL);
    assert_int_equal(rw_config_ebpf_parse_cidr("1.2.3.4/1x", &r), -EINVAL);
    assert_int_equal(rw_config_ebpf_parse_cidr("/8", &r), -EINVAL);
    assert_int_equal(rw_config_ebpf_parse_cidr("::/129", &r), -EINVAL);
}

static void test_too_many_rules(void **state)
{
    (void)state;
    json_t *ports = json_array();
    for (int i = 1; i <= RW_EBPF_MAX_RULES + 1; i++)
        json_array_append_new(ports, json_integer(i));
    json_t *sec = json_pack("{s:[{s:s,s:o}]}", "egress", "cidr", "10.0.0.0/8", "ports", ports);
    rw_ebpf_config_t c;
    rw_error_t *err = NULL;
    assert_true(rw_config_ebpf_parse(sec, "runwarden.json", &c, &err) < 0);
    assert_non_null(strstr(err->msg, "more than 64 egress rules"));
    rw_error_free(err);
    rw_config_ebpf_clear(&c);
    json_decref(sec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),           cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_rules_and_tenants), cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_too_many_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
