#!/bin/bash
# Image trust with GPG simple signing, end to end: images pushed to a loopback
# docker-registry with `skopeo copy --sign-by` into a file:// lookaside, pulled into an
# isolated podman store, then started through podman and the runwarden shim. Covers a good
# signature; unsigned images given the trusted name by tag, load and import (podman lets
# them in, runwarden refuses them at start); a signature by another key, for another
# manifest and for another repository; a reject scope; an insecureAcceptAnything default;
# remapIdentity; and a two-requirement list.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/trust_common.sh"

trust_setup
trust_gpg_key trusted
FPR=$TRUST_FPR
trust_gpg_key other
OTHER=$TRUST_FPR
R=$TRUST_REG

# Every case gets its own image (its own variant, so its own image ID): containers/storage
# keeps one set of signatures per image, whichever name it was pulled under.
for v in base otherkey original mirrored rejected free both one swapped evil loaded; do
	trust_build "localhost/$v" "$v"
done

# Registry content and signatures.
trust_push localhost/base signed/app:1 --sign-by "$FPR"
trust_push localhost/otherkey signed/otherkey:1 --sign-by "$OTHER"
trust_push localhost/rejected rejected/app:1
trust_push localhost/free elsewhere/free:1
# A signature for another repository: sign signed/original, copy the image and its
# signature (whose identity stays signed/original:1) to signed/copied.
trust_push localhost/original signed/original:1 --sign-by "$FPR"
trust_copy signed/original:1 signed/copied:1
# remapIdentity: a mirror of signed/mirrored whose signature names signed/mirrored.
trust_push localhost/mirrored signed/mirrored:1 --sign-by "$FPR"
trust_copy signed/mirrored:1 mirror/mirrored:1
# A signature for another manifest: sign base's manifest, store it as swapped's signature.
trust_manifest signed/app:1 "$T/base.manifest"
BASE_DIGEST=$TRUST_DIGEST
trust_push localhost/swapped signed/swapped:1
trust_manifest signed/swapped:1 "$T/swapped.manifest"
rw_run skopeo standalone-sign "$T/base.manifest" "$R/signed/swapped:1" "$FPR" -o "$T/swapped.sig"
[ "$RW_RC" -eq 0 ] || rw_die "standalone-sign failed: $RW_ERR"
trust_lookaside_put signed/swapped "$TRUST_DIGEST" 1 "$T/swapped.sig"
# Two requirements: one image signed by both keys, one by the trusted key only.
trust_push localhost/both two/both:1
trust_manifest two/both:1 "$T/both.manifest"
rw_run skopeo standalone-sign "$T/both.manifest" "$R/two/both:1" "$FPR" -o "$T/both1.sig"
rw_run skopeo standalone-sign "$T/both.manifest" "$R/two/both:1" "$OTHER" -o "$T/both2.sig"
trust_lookaside_put two/both "$TRUST_DIGEST" 1 "$T/both1.sig"
trust_lookaside_put two/both "$TRUST_DIGEST" 2 "$T/both2.sig"
trust_push localhost/one two/one:1 --sign-by "$FPR"

# Pull everything with podman's own check switched off, so runwarden alone decides.
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$T/pull-any.json"
for ref in signed/app:1 signed/otherkey:1 signed/copied:1 signed/swapped:1 rejected/app:1 \
	elsewhere/free:1 mirror/mirrored:1 two/both:1 two/one:1; do
	trust_pull "$ref" "$T/pull-any.json"
done

# The site policy runwarden enforces.
jq -n --arg r "$R" --arg k "$T/keys/trusted.gpg" --arg o "$T/keys/other.gpg" '{
	default: [{type: "insecureAcceptAnything"}],
	transports: {docker: {
		($r + "/signed"): [{type: "signedBy", keyType: "GPGKeys", keyPath: $k}],
		($r + "/rejected"): [{type: "reject"}],
		($r + "/mirror"): [{type: "signedBy", keyType: "GPGKeys", keyPath: $k,
			signedIdentity: {type: "remapIdentity", prefix: ($r + "/mirror"),
			                 signedPrefix: ($r + "/signed")}}],
		($r + "/two"): [{type: "signedBy", keyType: "GPGKeys", keyPath: $k},
		                {type: "signedBy", keyType: "GPGKeys", keyPaths: [$o]}]
	}}}' >"$T/policy.json"
trust_config "$T/policy.json"

# 1. A correctly signed image runs, and the second start is answered by the cache.
trust_run_ok "signed image runs" "$R/signed/app:1"
rw_assert_eq "base" "$RW_OUT" "signed image: the container ran the signed content"
cached=$(find "$T/cache" -name 'v-*' | wc -l)
rw_assert_ne 0 "$cached" "signed image: the verdict was cached"
rw_run "$RW_BIN" image verify --root "$RW_PODMAN_DIR/root" --driver vfs "$R/signed/app:1"
rw_assert_rc 0 "image verify: signed image accepted"
rw_assert_contains "$RW_OUT" "scope transports.docker[\"$R/signed\"]" "image verify names the scope"
rw_assert_contains "$RW_OUT" "signed by key $FPR" "image verify names the signing key"
rw_assert_contains "$RW_OUT" "cache: hit" "image verify: second evaluation is a cache hit"

# 2. An unsigned image given the trusted name by podman tag.
rw_run env HOME="$T/home" skopeo copy \
	"containers-storage:[vfs@$TRUST_SRC/root+$TRUST_SRC/runroot]localhost/evil" \
	"containers-storage:[vfs@$RW_PODMAN_DIR/root+$RW_PODMAN_DIR/runroot]localhost/evil:latest"
[ "$RW_RC" -eq 0 ] || rw_die "copy of evil into the run store failed: $RW_ERR"
rw_run rw_podman tag localhost/evil:latest "$R/signed/tagged:1"
rw_assert_rc 0 "podman tag lets the unsigned image take the trusted name"
trust_run_refused "tagged unsigned image refused at start" "$R/signed/tagged:1" \
	"trust.policy" "$R/signed/tagged:1" "transports.docker[\"$R/signed\"]" \
	"no signature exists"
# Control: without runwarden, podman runs it.
rw_podman_use_runtime "$RW_REAL_CRUN"
rw_run rw_podman run --rm "$R/signed/tagged:1" /bin/cat /variant
rw_assert_eq "evil" "$RW_OUT" "control: podman alone runs the tagged unsigned image"
rw_podman_use_runtime crun
# 3. ... by podman load (a docker-archive that says it is the trusted image)
trust_src_podman tag localhost/loaded "$R/signed/loaded:1" >/dev/null
rw_run trust_src_podman save -o "$T/loaded.tar" "$R/signed/loaded:1"
[ "$RW_RC" -eq 0 ] || rw_die "podman save failed: $RW_ERR"
rw_run rw_podman load -i "$T/loaded.tar"
rw_assert_rc 0 "podman load accepts the unsigned archive under the trusted name"
trust_run_refused "loaded unsigned image refused at start" "$R/signed/loaded:1" "trust.policy" \
	"$R/signed/loaded:1" "no signature exists"
# 4. ... by podman import
d=$(mktemp -d "$T/imp.XXXXXX")
rw_make_rootfs "$d/rootfs"
printf 'imported\n' >"$d/rootfs/variant"
rw_rootfs_tar "$d/rootfs" "$d/rootfs.tar"
rw_run rw_podman import "$d/rootfs.tar" "$R/signed/imported:1"
rw_assert_rc 0 "podman import accepts a tarball under the trusted name"
trust_run_refused "imported image refused at start" "$R/signed/imported:1" "trust.policy" \
	"$R/signed/imported:1" "no signature exists"

# 5. A signature by another key.
trust_run_refused "signature by another key refused" "$R/signed/otherkey:1" "trust.policy" \
	"not one of the keys this requirement trusts"
# 6. A signature for another manifest.
trust_run_refused "signature for another manifest refused" "$R/signed/swapped:1" \
	"Signature for digest $BASE_DIGEST does not match"
# 7. A signature for another repository.
trust_run_refused "signature for another repository refused" "$R/signed/copied:1" \
	"Signature for identity $R/signed/original:1 is not accepted"
# 8. A reject scope.
trust_run_refused "reject scope refused" "$R/rejected/app:1" "transports.docker[\"$R/rejected\"]" \
	"rejected by policy"
# 9. The insecureAcceptAnything default.
trust_run_ok "insecureAcceptAnything default runs an unsigned image" "$R/elsewhere/free:1"
rw_assert_eq "free" "$RW_OUT" "default scope: the container ran"
# 10. remapIdentity: the mirror's signature names the original repository.
trust_run_ok "remapIdentity accepts the mirror's signature" "$R/mirror/mirrored:1"
rw_assert_eq "mirrored" "$RW_OUT" "remapIdentity: the mirrored image ran"
rw_run "$RW_BIN" image verify --root "$RW_PODMAN_DIR/root" --driver vfs "$R/mirror/mirrored:1"
rw_assert_contains "$RW_OUT" "remapIdentity $R/mirror -> $R/signed" "image verify shows the remap"
# 11. Two requirements: both must pass.
trust_run_ok "two requirements, both signatures present" "$R/two/both:1"
trust_run_refused "two requirements, second key missing" "$R/two/one:1" \
	"transports.docker[\"$R/two\"][1]"
rw_run "$RW_BIN" image verify --root "$RW_PODMAN_DIR/root" --driver vfs "$R/two/one:1"
rw_assert_rc 1 "image verify: exit 1 when rejected"
rw_assert_match "$RW_OUT" "requirement transports.docker\[\"$R/two\"\]\[0\] signedBy[^:]*: accepted" \
	"image verify: first requirement accepted"
rw_assert_match "$RW_OUT" "requirement transports.docker\[\"$R/two\"\]\[1\] signedBy[^:]*: rejected" \
	"image verify: second requirement rejected"

# 12. --container names the container's image and the name it was created from.
rw_run rw_podman create --name keep "$R/signed/app:1" /bin/true
cid=$(rw_podman inspect --format '{{.Id}}' keep)
rw_run "$RW_BIN" image verify --root "$RW_PODMAN_DIR/root" --driver vfs --container "$cid"
rw_assert_rc 0 "image verify --container: accepted"
rw_assert_contains "$RW_OUT" "requested name: $R/signed/app:1" "image verify --container shows the name"

# 13. The audit record carries the verdict, the scope, the requirements and the image.
if "$RW_BIN" audit --help >/dev/null 2>&1; then
	jq --arg l "$T/audit/audit.jsonl" --arg k "$T/audit/seal.key" \
		'.audit = {log: $l, sealKey: $k, linuxAudit: false}' "$T/runwarden.json" \
		>"$T/rw-audit.json"
	rw_write_config_raw "$T/runwarden.json" "$(cat "$T/rw-audit.json")"
	rw_run "$RW_BIN" audit init --key-out "$T/audit.vk"
	rw_assert_rc 0 "audit init"
	trust_run_ok "signed image runs with the audit log on" "$R/signed/app:1"
	trust_run_refused "tagged image refused with the audit log on" "$R/signed/tagged:1" \
		"trust.policy"
	acc=$(jq -c 'select(.event == "create" and .facts.trust.verdict == "accepted") | .facts.trust' \
		"$T/audit/audit.jsonl" | tail -n 1)
	rw_assert_eq "$R/signed/app:1" "$(jq -r .name <<<"$acc")" "audit: accepted start names the image"
	rw_assert_eq "transports.docker[\"$R/signed\"]" "$(jq -r .scope <<<"$acc")" \
		"audit: accepted start names the scope"
	rw_assert_eq "signedBy accepted" "$(jq -r '.requirements[0] | "\(.type) \(.result)"' <<<"$acc")" \
		"audit: accepted start lists the requirement's result"
	rw_assert_match "$(jq -r '.image.id + " " + .image.manifestDigest' <<<"$acc")" \
		'^[0-9a-f]{64} sha256:[0-9a-f]{64}$' "audit: accepted start records image id and digest"
	bad=$(jq -c 'select(.event == "create" and .facts.trust.verdict == "rejected")' \
		"$T/audit/audit.jsonl" | tail -n 1)
	rw_assert_eq "refused $R/signed/tagged:1 rejected" \
		"$(jq -r '"\(.decision) \(.facts.trust.name) \(.facts.trust.requirements[0].result)"' <<<"$bad")" \
		"audit: refused start records decision, image and failing requirement"
fi

rw_finish
