/* Finds a few members of a large JSON document in one validating pass, without building a
 * tree: a runc state.json is tens of kilobytes of which the audit record needs one array,
 * and a full jansson parse of it costs more than the whole exec budget. */
#pragma once

#include <stddef.h>

#define RW_AUDIT_JSON_PATH_MAX_DEPTH 128
#define RW_AUDIT_JSON_PATH_MAX_WANTS 16

/* One wanted member: its path of member names from the top-level object. */
typedef struct rw_audit_json_want {
    const char *const *path; /* NULL-terminated, at least one name */
    size_t off, len;         /* out: the value's bytes; len 0 when absent */
} rw_audit_json_want_t;

/* Checks that buf is one JSON object and nothing else, as strictly as rw_json_parse does
 * (UTF-8, escapes, surrogate pairs, no NUL, no control characters, nesting bounded),
 * and locates each wanted member. A member name that appears twice in an object on a
 * wanted path is an error: two readers could take different ones. Duplicates elsewhere
 * cannot change what is located and are not looked for.
 * Returns 0, or -EINVAL with *why (static text) and *err_off set. */
int rw_audit_json_find(const char *buf, size_t len, rw_audit_json_want_t *wants, size_t n_wants,
                       const char **why, size_t *err_off);

/* The same over dirfd/name, a file that must be regular, reached without following a link
 * at name, and at most cap bytes. The file is mapped rather than read: a state file is read
 * once per process, and copying it into fresh heap pages costs more than walking it (each
 * first touch of a page traps, which virtual machines make expensive), and it is left
 * mapped (read-only, private, at most cap bytes): for a process about to exec the runtime,
 * unmapping would cost more than the read. Not for long-running callers. A file that
 * shrinks under the mapping (SIGBUS) counts as unusable. On success *ret_copy holds the
 * wanted values back to back, and each want's off/len point into it.
 * Returns 1, 0 when the file is absent or unusable (link, not regular, empty, too big,
 * invalid JSON), -ENOMEM. */
int rw_audit_json_find_at(int dirfd, const char *name, size_t cap, rw_audit_json_want_t *wants,
                          size_t n_wants, char **ret_copy);
