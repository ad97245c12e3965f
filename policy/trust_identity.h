/* signedIdentity: does the identity a signature claims match the image being run
 * (policy_reference_match.go)? */
#pragma once

#include <stdbool.h>

#include "../conf/docker_ref.h"
#include "../conf/policy_json.h"

/* image: the reference the image is evaluated under (NULL: an image without a name, which
 * never matches). signed_ref: the docker-reference from the signature payload. */
bool rw_trust_identity_matches(const rw_trust_prm_t *prm, const rw_trust_ref_t *image,
                               const char *signed_ref);
/* remapIdentity's rewrite of the image reference (the reference itself when it is outside
 * the prefix). -EINVAL when the rewritten string is not a canonical reference. */
int rw_trust_identity_remap(const rw_trust_prm_t *prm, const rw_trust_ref_t *image,
                            rw_trust_ref_t *out);
/* One line describing the rule, e.g. "remapIdentity(prefix a -> signedPrefix b)". */
const char *rw_trust_identity_describe(const rw_trust_prm_t *prm, char *buf, size_t size);
