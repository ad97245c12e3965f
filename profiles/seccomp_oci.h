/* The OCI linux.seccomp section: a strict reader (what crun would refuse is refused here, so
 * a filter handed over precompiled cannot hide an error), the writer that reproduces the
 * JSON podman writes into config.json, and the canonical form the filter cache is keyed by. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"
#include "../common/hash.h"
#include "seccomp_types.h"

/* Reads linux.seccomp. 'path' is its JSON path for messages ("$.linux.seccomp"). Unknown keys
 * are warnings (runtimes ignore them). */
int rw_seccomp_oci_parse(json_t *sec, const char *file, const char *path, rw_seccomp_oci_t **ret,
                         rw_seccomp_warnings_t *w, rw_error_t **err);
/* Serialises in the field order and omissions of runtime-spec's Go types (what podman
 * writes): defaultAction, defaultErrnoRet, architectures, flags, listenerPath,
 * listenerMetadata, syscalls[{names, action, errnoRet, args[{index, value, valueTwo, op}]}]. */
json_t *rw_seccomp_oci_to_json(const rw_seccomp_oci_t *o);
/* Unambiguous byte string of everything in the section that affects the filter or its
 * loading, every errno included (length-prefixed fields, so no two sections collide). */
int rw_seccomp_oci_canonical(const rw_seccomp_oci_t *o, char **ret, size_t *ret_len);
/* The same bytes fed into h, without building the string. */
void rw_seccomp_oci_canonical_hash(const rw_seccomp_oci_t *o, rw_sha256_t *h);
/* SHA-256 of the canonical form, hex. */
int rw_seccomp_oci_digest(const rw_seccomp_oci_t *o, char out[RW_SHA256_HEX_LEN + 1]);
/* True when the section lets every syscall through: default ALLOW or LOG and no rule with
 * another action. Engines write that (or nothing) for "unconfined". */
bool rw_seccomp_oci_is_unconfined(const rw_seccomp_oci_t *o);
/* The flags crun passes to seccomp(2): absent flags mean SECCOMP_FILTER_FLAG_SPEC_ALLOW. */
uint32_t rw_seccomp_oci_load_flags(const rw_seccomp_oci_t *o);
/* Deep copy. */
rw_seccomp_oci_t *rw_seccomp_oci_dup(const rw_seccomp_oci_t *o);
