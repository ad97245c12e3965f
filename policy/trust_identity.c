/* Reference matching rules of containers/image, on normalised references. */
#include "trust_identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"

static bool repo_digest_or_exact(const rw_trust_ref_t *intended, const rw_trust_ref_t *sig)
{
    if (rw_trust_ref_name_only(sig))
        return false;
    if (intended->tag) /* includes tag + digest */
        return strcmp(sig->string, intended->string) == 0;
    if (intended->digest)
        return strcmp(sig->name, intended->name) == 0;
    return false;
}

int rw_trust_identity_remap(const rw_trust_prm_t *prm, const rw_trust_ref_t *image,
                            rw_trust_ref_t *out)
{
    memset(out, 0, sizeof(*out));
    const char *prefix = prm->value;
    size_t pl = strlen(prefix), nl = strlen(image->name);
    bool in = nl == pl ? strcmp(image->name, prefix) == 0
                       : nl > pl && strncmp(image->name, prefix, pl) == 0 && image->name[pl] == '/';
    /* strings.Replace(ref.String(), prefix, signedPrefix, 1) replaces the first occurrence,
     * which is at the start because the name begins with the prefix. */
    cleanup_free char *s = NULL;
    if (asprintf(&s, "%s%s", in ? prm->signed_prefix : "", image->string + (in ? pl : 0)) < 0)
        return -ENOMEM;
    if (!in)
        return rw_trust_ref_parse_normalized(s, out, NULL);
    /* Re-parsed without normalisation: a result in short form is an error. */
    return rw_trust_ref_parse_named(s, out, NULL);
}

/* remapIdentity: matchRepoDigestOrExact against the image with its prefix rewritten. */
static bool remapped(const rw_trust_prm_t *prm, const rw_trust_ref_t *image,
                     const rw_trust_ref_t *sig)
{
    rw_trust_ref_t re = {0};
    if (rw_trust_identity_remap(prm, image, &re) < 0)
        return false;
    bool ok = repo_digest_or_exact(&re, sig);
    rw_trust_ref_clear(&re);
    return ok;
}

bool rw_trust_identity_matches(const rw_trust_prm_t *prm, const rw_trust_ref_t *image,
                               const char *signed_ref)
{
    rw_trust_ref_t sig = {0};
    bool ok = false;
    if (rw_trust_ref_parse_normalized(signed_ref, &sig, NULL) < 0)
        return false;
    switch (prm->kind) {
    case RW_TRUST_PRM_MATCH_EXACT:
        ok = image && !rw_trust_ref_name_only(image) && !rw_trust_ref_name_only(&sig) &&
             strcmp(sig.string, image->string) == 0;
        break;
    case RW_TRUST_PRM_MATCH_REPO_DIGEST_OR_EXACT:
        ok = image && repo_digest_or_exact(image, &sig);
        break;
    case RW_TRUST_PRM_MATCH_REPOSITORY:
        ok = image && strcmp(sig.name, image->name) == 0;
        break;
    case RW_TRUST_PRM_EXACT_REFERENCE: {
        rw_trust_ref_t want = {0};
        if (rw_trust_ref_parse_normalized(prm->value, &want, NULL) == 0)
            ok = !rw_trust_ref_name_only(&want) && !rw_trust_ref_name_only(&sig) &&
                 strcmp(sig.string, want.string) == 0;
        rw_trust_ref_clear(&want);
        break;
    }
    case RW_TRUST_PRM_EXACT_REPOSITORY: {
        rw_trust_ref_t want = {0};
        if (rw_trust_ref_parse_normalized(prm->value, &want, NULL) == 0)
            ok = strcmp(sig.name, want.name) == 0;
        rw_trust_ref_clear(&want);
        break;
    }
    case RW_TRUST_PRM_REMAP_IDENTITY:
        ok = image && remapped(prm, image, &sig);
        break;
    default:
        ok = false;
        break;
    }
    rw_trust_ref_clear(&sig);
    return ok;
}

const char *rw_trust_identity_describe(const rw_trust_prm_t *prm, char *buf, size_t size)
{
    switch (prm->kind) {
    case RW_TRUST_PRM_EXACT_REFERENCE:
        snprintf(buf, size, "exactReference %s", prm->value);
        break;
    case RW_TRUST_PRM_EXACT_REPOSITORY:
        snprintf(buf, size, "exactRepository %s", prm->value);
        break;
    case RW_TRUST_PRM_REMAP_IDENTITY:
        snprintf(buf, size, "remapIdentity %s -> %s", prm->value, prm->signed_prefix);
        break;
    default:
        snprintf(buf, size, "%s", rw_trust_prm_kind_name(prm->kind));
        break;
    }
    return buf;
}
