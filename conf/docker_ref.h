/* Docker references as containers/image parses them (docker/reference): normalisation of
 * short names (docker.io, library/), tags, digests, and the policy identities and
 * namespaces used to pick a policy.json scope. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define RW_TRUST_NAME_MAX 255 /* NameTotalLengthMax */

typedef struct rw_trust_ref {
    char *domain; /* "docker.io"; "" in the odd case the first component is no domain */
    char *path;   /* "library/busybox" */
    char *name;   /* domain/path (path alone when domain is "") */
    char *tag;    /* NULL when absent */
    char *digest; /* "sha256:<hex>"; NULL when absent */
    char *string; /* name[:tag][@digest] */
} rw_trust_ref_t;

/* ParseNormalizedNamed: "busybox" -> docker.io/library/busybox. On failure returns -EINVAL
 * and sets *why (static text) when why is non-NULL. */
int rw_trust_ref_parse_normalized(const char *s, rw_trust_ref_t *out, const char **why);
/* ParseNamed: like the above but the input must already be in canonical form. */
int rw_trust_ref_parse_named(const char *s, rw_trust_ref_t *out, const char **why);
/* Adds ":latest" to a name-only reference (docker transport's TagNameOnly). */
int rw_trust_ref_tag_name_only(rw_trust_ref_t *r);
void rw_trust_ref_clear(rw_trust_ref_t *r);
static inline bool rw_trust_ref_name_only(const rw_trust_ref_t *r)
{
    return !r->tag && !r->digest;
}

/* Policy identity "name:tag" or "name@digest"; -EINVAL when both or neither are set. */
int rw_trust_ref_identity(const rw_trust_ref_t *r, char **ret);
/* Namespaces from most to least specific: name, each "/"-truncation, then "*.<domain
 * suffix>" for each dot of the port-less host. NULL-terminated, caller frees (strv). */
int rw_trust_ref_namespaces(const rw_trust_ref_t *r, char ***ret);

/* Grammar pieces used to validate policy.json values. */
bool rw_trust_digest_valid(const char *s);           /* go-digest Parse: sha256/384/512 + hex */
bool rw_trust_domain_valid(const char *s, size_t n); /* DomainRegexp, whole string */
/* remapIdentity prefix: a domain alone, or a name (NameRegexp) that starts with one. */
bool rw_trust_remap_prefix_valid(const char *s);
/* A 64-hex image or container id (lower case). */
bool rw_trust_is_hex_id(const char *s, size_t n);
