#!/bin/bash
# Image trust when something is wrong or unusual: a corrupt or invalid policy.json, a
# missing key file, damaged storage metadata (images.json, signature big data), an image no
# one can identify (unknownImage refuse/allow), signatures found only in the file://
# lookaside, a remote lookaside, and a verdict cache that must not outlive a key change.
# Every refusal must be one clear runwarden line naming what is wrong.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/trust_common.sh"

trust_setup
trust_gpg_key trusted
FPR=$TRUST_FPR
trust_gpg_key other
R=$TRUST_REG
cat >>"$TRUST_REGD/trust-test.yaml" <<EOF2
  $R/remote:
    lookaside: https://sigs.invalid/store
EOF2

for v in app look remote; do
	trust_build "localhost/$v" "$v"
done
trust_push localhost/app signed/app:1 --sign-by "$FPR"
trust_push localhost/look signed/look:1 --sign-by "$FPR"
trust_push localhost/remote remote/app:1
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$T/pull-any.json"
trust_pull signed/app:1 "$T/pull-any.json"
# Copies without their signatures: runwarden must find them in the lookaside (or not).
for ref in signed/look:1 remote/app:1; do
	rw_run env HOME="$T/home" skopeo copy --src-tls-verify=false --remove-signatures \
		"docker://$R/$ref" \
		"containers-storage:[vfs@$RW_PODMAN_DIR/root+$RW_PODMAN_DIR/runroot]$R/$ref"
	[ "$RW_RC" -eq 0 ] || rw_die "copy of $ref failed: $RW_ERR"
done

cp "$T/keys/trusted.gpg" "$T/keys/site.gpg"
jq -n --arg r "$R" --arg k "$T/keys/site.gpg" '{
	default: [{type: "insecureAcceptAnything"}],
	transports: {docker: {
		($r + "/signed"): [{type: "signedBy", keyType: "GPGKeys", keyPath: $k}],
		($r + "/remote"): [{type: "signedBy", keyType: "GPGKeys", keyPath: $k}]}}}' \
	>"$T/policy.json"
trust_config "$T/policy.json"

trust_run_ok "baseline: the signed image runs" "$R/signed/app:1"

# Signatures only in the file:// lookaside.
trust_run_ok "signatures read from the file:// lookaside" "$R/signed/look:1"
rw_run "$RW_BIN" image verify --root "$RW_PODMAN_DIR/root" --driver vfs "$R/signed/look:1"
rw_assert_contains "$RW_OUT" "lookaside $TRUST_SIGSTORE/signed/look@sha256=" \
	"image verify names the lookaside file"
# A remote lookaside is out of reach at start, and the refusal says so.
trust_run_refused "remote lookaside: refused with a clear reason" "$R/remote/app:1" \
	"https://sigs.invalid/store was not read" "file://"

# The cache is keyed by the key bytes: another key in the same file refuses at once.
cp "$T/keys/other.gpg" "$T/keys/site.gpg"
trust_run_refused "key changed: the cached verdict is not reused" "$R/signed/app:1" \
	"not one of the keys this requirement trusts"
cp "$T/keys/trusted.gpg" "$T/keys/site.gpg"
trust_run_ok "key restored: runs again" "$R/signed/app:1"

# A missing key file.
mv "$T/keys/site.gpg" "$T/keys/site.gpg.away"
trust_run_refused "missing key file refused" "$R/signed/app:1" "key file $T/keys/site.gpg" \
	"does not exist"
mv "$T/keys/site.gpg.away" "$T/keys/site.gpg"

# A corrupt policy.json, and one with a typo in a key.
cp "$T/policy.json" "$T/policy.good"
printf '{"default": [{"type": "insecureAcceptAnything"}' >"$T/policy.json"
trust_run_refused "corrupt policy.json refused" "$R/signed/app:1" "$T/policy.json" "invalid JSON"
jq '.defualt = .default' "$T/policy.good" >"$T/policy.json"
trust_run_refused "policy.json with an unknown key refused" "$R/signed/app:1" \
	'unknown key "defualt"'
jq '.transports.docker["'"$R"'/signed"] = []' "$T/policy.good" >"$T/policy.json"
trust_run_refused "empty requirement list refused" "$R/signed/app:1" "must not be empty"
rm -f "$T/policy.json"
trust_run_refused "missing policy.json refused" "$R/signed/app:1" "policy" "$T/policy.json"
cp "$T/policy.good" "$T/policy.json"
trust_run_ok "policy restored: runs again" "$R/signed/app:1"

# Damaged storage metadata: images.json, then the signatures big data.
IMAGES=$RW_PODMAN_DIR/root/vfs-images/images.json
cp "$IMAGES" "$T/images.good"
rw_run rw_podman create --name dmg "$R/signed/app:1" /bin/cat /variant
printf '{"garbage":' >>"$IMAGES"
rw_run rw_podman start -a dmg
line=$(printf '%s\n' "$RW_ERR" | grep -o 'runwarden: refused:.*' || true)
rw_assert_contains "$line" "images.json: damaged" "garbage in images.json refuses the start"
cp "$T/images.good" "$IMAGES"
img=$(rw_podman image inspect --format '{{.Id}}' "$R/signed/app:1")
SIGS=$RW_PODMAN_DIR/root/vfs-images/$img/signatures
cp "$SIGS" "$T/sigs.good"
head -c 100 "$T/sigs.good" >"$SIGS"
trust_run_refused "truncated signature data refuses the start" "$R/signed/app:1" \
	"shorter than the sizes in the image metadata"
cp "$T/sigs.good" "$SIGS"
trust_run_ok "storage restored: runs again" "$R/signed/app:1"

# An image no one can identify: a plain bundle started through the runc shim.
rw_make_bundle "$T/bundle" /bin/true
rw_run "$RW_SHIMS/runc" run --bundle "$T/bundle" "trust-unknown-$$"
rw_assert_refused "unknownImage refuse: an unidentified image is refused"
rw_assert_contains "$RW_ERR" "trust.unknown-image" "the refusal names the unknown-image rule"
trust_config "$T/policy.json" '{"unknownImage": "allow"}'
rw_run "$RW_SHIMS/runc" run --bundle "$T/bundle" "trust-unknown2-$$"
rw_assert_rc 0 "unknownImage allow: an unidentified image runs"
# ... and an annotation can name it (containerd CRI).
trust_config "$T/policy.json" '{"unknownImage": "refuse"}'
rw_bundle_jq "$T/bundle" '.annotations["io.kubernetes.cri.image-name"] = $n' \
	--arg n "$R/signed/annotated:1"
rw_run "$RW_SHIMS/runc" run --bundle "$T/bundle" "trust-annot-$$"
rw_assert_refused "annotation-named image in a signed scope, no manifest: refused"
rw_assert_contains "$RW_ERR" "$R/signed/annotated:1" "the refusal names the annotated image"
rw_bundle_jq "$T/bundle" '.annotations["io.kubernetes.cri.image-name"] = "docker.io/library/busybox:latest"'
rw_run "$RW_SHIMS/runc" run --bundle "$T/bundle" "trust-annot2-$$"
rw_assert_rc 0 "annotation-named image in an insecureAcceptAnything scope runs"

rw_finish
