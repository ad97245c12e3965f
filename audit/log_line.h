/* The on-disk shape of one audit line. Every line is a compact JSON object whose first
 * members are fixed so that the chain can be checked without a JSON parser:
 *   {"seq":N,"prev":"<sha256 hex of the previous line>","event":"NAME",...}\n
 * A seal line ends with ,"mac":"<hmac hex>"} and the MAC covers every byte before ,"mac". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/hash.h"

#define RW_AUDIT_MAX_LINE (4u << 20)
#define RW_AUDIT_EVENT_MAX 32
/* ,"mac":"<64 hex>"} */
#define RW_AUDIT_MAC_SUFFIX_LEN (8 + RW_SHA256_HEX_LEN + 2)

typedef struct rw_audit_line {
    uint64_t seq;
    uint8_t prev[RW_SHA256_LEN];
    char event[RW_AUDIT_EVENT_MAX + 1];
    size_t body_off; /* offset of the first member after "event" (or of the final '}') */
} rw_audit_line_t;

/* Parses the fixed prefix of a line (without its '\n'). Returns 0 or -EBADMSG. */
int rw_audit_line_parse(const char *line, size_t len, rw_audit_line_t *out);
/* Writes {"seq":N,"prev":"HEX", into out (at least 100 bytes); returns its length. */
size_t rw_audit_line_prefix(uint64_t seq, const uint8_t prev[RW_SHA256_LEN], char *out);
/* Offset of ,"mac":" in a seal line, or 0 when the line does not end in a well-formed MAC. */
size_t rw_audit_line_mac_offset(const char *line, size_t len, uint8_t mac[RW_SHA256_LEN]);
/* True for event names we accept: 1-32 of [a-z0-9_-]. */
bool rw_audit_event_name_ok(const char *s, size_t len);
