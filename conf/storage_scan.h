/* A validating single-pass scanner for the large JSON arrays of containers/storage
 * (images.json, containers.json): finds the element whose "id" equals a given value
 * without building a tree of thousands of elements, and checks the syntax of the whole
 * document on the way so a damaged file is never half-read. */
#pragma once

#include <stddef.h>

#define RW_TRUST_SCAN_MAX_DEPTH 64

typedef struct rw_trust_scan_result {
    size_t off, len;  /* the matching object, braces included */
    size_t n_objects; /* elements seen */
    size_t err_off;   /* on -EINVAL: byte offset of the problem */
    const char *why;  /* on -EINVAL / -EEXIST: static description */
} rw_trust_scan_result_t;

/* Returns 1 when found, 0 when the document is valid and has no such element, -EINVAL on a
 * syntax error (res->err_off, res->why), -EEXIST when two elements have that id. */
int rw_trust_scan_find_id(const char *buf, size_t len, const char *id, rw_trust_scan_result_t *res);

/* Calls fn on every element (an object slice) of a top-level array after checking the whole
 * document. fn returns < 0 to stop with that value. */
int rw_trust_scan_each(const char *buf, size_t len,
                       int (*fn)(const char *obj, size_t len, void *ud), void *ud,
                       rw_trust_scan_result_t *res);
