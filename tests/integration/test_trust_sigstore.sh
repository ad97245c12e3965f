#!/bin/bash
# Image trust with sigstore signatures: skopeo on this host cannot create them (Debian's
# skopeo 1.9 has no generate-sigstore-key, and --sign-by-sigstore-private-key fails with
# "Debian-local change: sigstore disabled"; podman cannot verify them either), so the test
# writes them with openssl in the same on-wire format cosign and containers/image use (an
# OCI attachment tagged sha256-<digest>.sig in the registry). podman pulls them into
# storage (use-sigstore-attachments), and runwarden verifies them at container start with
# sigstoreSigned keyPath, keyData, keyDatas (ECDSA P-256 and Ed25519); a wrong key, a
# signature for another manifest and an unsupported fulcio requirement are refused.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/trust_common.sh"

trust_setup
R=$TRUST_REG
trust_sigstore_key good
trust_sigstore_key bad
trust_sigstore_key edkey ed25519

for v in app wrongkey wrongdigest multi ed fulcio; do
	trust_build "localhost/$v" "$v"
	trust_push "localhost/$v" "cosign/$v:1"
	trust_manifest "cosign/$v:1" "$T/$v.manifest"
	eval "D_$v=\$TRUST_DIGEST"
done
trust_sigstore_attach cosign/app "$D_app" "$T/keys/good.key" "$R/cosign/app:1"
trust_sigstore_attach cosign/wrongkey "$D_wrongkey" "$T/keys/bad.key" "$R/cosign/wrongkey:1"
trust_sigstore_attach cosign/wrongdigest "$D_wrongdigest" "$T/keys/good.key" \
	"$R/cosign/wrongdigest:1" "$D_app"
trust_sigstore_attach cosign/multi "$D_multi" "$T/keys/good.key" "$R/cosign/multi:1"
trust_sigstore_attach cosign/ed "$D_ed" "$T/keys/edkey.key" "$R/cosign/ed:1"
trust_sigstore_attach cosign/fulcio "$D_fulcio" "$T/keys/good.key" "$R/cosign/fulcio:1"

printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$T/pull-any.json"
for v in app wrongkey wrongdigest multi ed fulcio; do
	trust_pull "cosign/$v:1" "$T/pull-any.json"
done
# podman stored the attachments as sigstore signatures of the image.
sigs=$(find "$RW_PODMAN_DIR/root/vfs-images" -name signatures -exec grep -l sigstore-json {} + |
	wc -l)
rw_assert_eq 6 "$sigs" "podman stored the six sigstore signatures in containers/storage"

good64=$(base64 -w0 "$T/keys/good.pub")
bad64=$(base64 -w0 "$T/keys/bad.pub")
jq -n --arg r "$R" --arg k "$T/keys/good.pub" --arg e "$T/keys/edkey.pub" \
	--arg g64 "$good64" --arg b64 "$bad64" --arg ca "$T/keys/good.pub" '{
	default: [{type: "reject"}],
	transports: {docker: {
		($r + "/cosign"): [{type: "sigstoreSigned", keyPath: $k}],
		($r + "/cosign/multi"): [{type: "sigstoreSigned", keyDatas: [$b64, $g64]}],
		($r + "/cosign/ed"): [{type: "sigstoreSigned", keyData: ($e | @text)}],
		($r + "/cosign/fulcio"): [{type: "sigstoreSigned",
			fulcio: {caPath: $ca, oidcIssuer: "https://issuer.test", subjectEmail: "a@b.test"},
			rekorPublicKeyPath: $k}]
	}}}' >"$T/policy.json"
# keyData for the Ed25519 key is the base64 of its PEM.
jq --arg e "$(base64 -w0 "$T/keys/edkey.pub")" \
	--arg s "$R/cosign/ed" '.transports.docker[$s][0].keyData = $e' "$T/policy.json" \
	>"$T/policy.tmp" && mv "$T/policy.tmp" "$T/policy.json"
trust_config "$T/policy.json"

trust_run_ok "sigstoreSigned keyPath: ECDSA signature accepted" "$R/cosign/app:1"
rw_assert_eq "app" "$RW_OUT" "sigstore: the signed image ran"
trust_run_ok "sigstoreSigned keyDatas: the second key verifies" "$R/cosign/multi:1"
trust_run_ok "sigstoreSigned keyData: Ed25519 signature accepted" "$R/cosign/ed:1"
trust_run_refused "sigstore signature by another key refused" "$R/cosign/wrongkey:1" \
	"trust.policy" "cryptographic signature verification failed"
trust_run_refused "sigstore signature for another manifest refused" "$R/cosign/wrongdigest:1" \
	"Signature for digest $D_app does not match"
trust_run_refused "fulcio requirement answers not supported" "$R/cosign/fulcio:1" \
	"fulcio" "not supported"
rw_run "$RW_BIN" image verify --root "$RW_PODMAN_DIR/root" --driver vfs "$R/cosign/app:1"
rw_assert_rc 0 "image verify: sigstore image accepted"
rw_assert_contains "$RW_OUT" "(sigstore, storage): accepted" "image verify: the stored sigstore signature was accepted"
# The simple-signing requirement ignores sigstore signatures, as upstream.
jq -n --arg r "$R" --arg k "$T/keys/good.pub" '{default: [{type: "signedBy",
	keyType: "GPGKeys", keyPath: $k}]}' >"$T/gpg-only.json"
rw_run "$RW_BIN" image verify --policy "$T/gpg-only.json" --root "$RW_PODMAN_DIR/root" \
	--driver vfs "$R/cosign/app:1"
rw_assert_rc 1 "signedBy does not accept a sigstore signature"
rw_assert_contains "$RW_OUT" "no signature exists (1 sigstore signatures" \
	"signedBy explains that only sigstore signatures exist"

rw_finish
