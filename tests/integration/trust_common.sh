# shellcheck shell=bash
# Helpers shared by the image-trust tests (test_trust_*.sh): a private docker-registry on
# loopback, throw-away GPG and sigstore keys, a source store where test images are built,
# signed pushes into a file:// lookaside, and pulls into the isolated podman store that
# runs containers through the runwarden shims. Source lib.sh first.

# trust_setup: everything a trust test needs; sets T (test dir) and the TRUST_* variables.
trust_setup() {
	rw_require podman conmon skopeo gpg docker-registry jq curl openssl sha256sum
	rw_host_prepare
	rw_tmpdir T
	rw_make_shims "$T/shims"
	# podman hands conmon the config path given now; trust_config rewrites this file.
	rw_write_config "$T/runwarden.json"
	rw_podman_env "$T/podman"
	TRUST_SRC=$T/src
	mkdir -p "$TRUST_SRC/root" "$TRUST_SRC/runroot" "$T/home/.config/containers/registries.d" \
		"$T/sigstore" "$T/keys" "$T/cache"
	TRUST_REGD=$T/home/.config/containers/registries.d
	TRUST_SIGSTORE=$T/sigstore
	trust_registry_start "$T/registry"
	cat >"$TRUST_REGD/trust-test.yaml" <<-EOF2
		# lookaside of the test registry (read by podman pull, skopeo and runwarden)
		docker:
		  $TRUST_REG:
		    lookaside: file://$TRUST_SIGSTORE
		    use-sigstore-attachments: true
	EOF2
	export GNUPGHOME=$T/gnupg
	mkdir -m 0700 "$GNUPGHOME"
}

# trust_registry_start DIR: docker-registry on 127.0.0.1 with its own config and storage;
# sets TRUST_REG=127.0.0.1:PORT. Retries a few ports in case one is taken.
trust_registry_start() {
	local d=$1 port i
	mkdir -p "$d/data"
	for i in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		cat >"$d/config.yml" <<-EOF2
			version: 0.1
			log: {level: error}
			storage: {filesystem: {rootdirectory: $d/data}, delete: {enabled: true}}
			http: {addr: 127.0.0.1:$port}
		EOF2
		docker-registry serve "$d/config.yml" >"$d/registry.log" 2>&1 &
		TRUST_REG_PID=$!
		if rw_wait_for 10 curl -sf "http://127.0.0.1:$port/v2/"; then
			TRUST_REG=127.0.0.1:$port
			rw_on_exit "kill $TRUST_REG_PID; wait $TRUST_REG_PID"
			return 0
		fi
		kill "$TRUST_REG_PID" 2>/dev/null || true
		wait "$TRUST_REG_PID" 2>/dev/null || true
	done
	rw_die "docker-registry did not start: $(tail -n 5 "$d/registry.log")"
}

# trust_gpg_key NAME: a passphrase-less signing key; sets TRUST_FPR and writes the public
# key to $T/keys/NAME.gpg.
trust_gpg_key() {
	local name=$1
	gpg --batch --pinentry-mode loopback --passphrase '' \
		--quick-gen-key "$name <$name@trust.test>" rsa2048 sign never >/dev/null 2>&1 ||
		rw_die "gpg could not create key $name"
	TRUST_FPR=$(gpg --batch --with-colons --list-keys "$name@trust.test" 2>/dev/null |
		awk -F: '/^fpr/ {print $10; exit}')
	[ -n "$TRUST_FPR" ] || rw_die "no fingerprint for $name"
	gpg --batch --export "$TRUST_FPR" >"$T/keys/$name.gpg" 2>/dev/null
}

# trust_src_podman ARGS...: podman on the source store (where images are built).
trust_src_podman() {
	podman --root "$TRUST_SRC/root" --runroot "$TRUST_SRC/runroot" --storage-driver vfs "$@"
}

# trust_build NAME [VARIANT]: imports a busybox rootfs (with /variant = VARIANT, so each
# variant is a different image) into the source store as NAME.
trust_build() {
	local name=$1 variant=${2:-base} d
	d=$(mktemp -d "$T/build.XXXXXX")
	rw_make_rootfs "$d/rootfs"
	printf '%s\n' "$variant" >"$d/rootfs/variant"
	rw_rootfs_tar "$d/rootfs" "$d/rootfs.tar"
	rw_run trust_src_podman import --change 'CMD ["/bin/sh"]' "$d/rootfs.tar" "$name"
	[ "$RW_RC" -eq 0 ] || rw_die "podman import $name failed: $RW_ERR"
	rm -rf "$d"
}

# trust_push SRCNAME DEST [SKOPEO-COPY-ARGS...]: copies a source-store image to
# docker://$TRUST_REG/DEST (e.g. --sign-by "$FPR").
trust_push() {
	local src=$1 dest=$2
	shift 2
	rw_run env HOME="$T/home" skopeo copy --dest-tls-verify=false --remove-signatures "$@" \
		"containers-storage:[vfs@$TRUST_SRC/root+$TRUST_SRC/runroot]$src" \
		"docker://$TRUST_REG/$dest"
	[ "$RW_RC" -eq 0 ] || rw_die "skopeo copy $src -> $dest failed: $RW_ERR"
}

# trust_copy FROM DEST [SKOPEO-COPY-ARGS...]: registry-to-registry copy (signatures follow).
trust_copy() {
	local from=$1 dest=$2
	shift 2
	rw_run env HOME="$T/home" skopeo copy --src-tls-verify=false --dest-tls-verify=false "$@" \
		"docker://$TRUST_REG/$from" "docker://$TRUST_REG/$dest"
	[ "$RW_RC" -eq 0 ] || rw_die "skopeo copy $from -> $dest failed: $RW_ERR"
}

# trust_manifest REF FILE: saves the registry manifest of $TRUST_REG/REF to FILE and sets
# TRUST_DIGEST=sha256:<hex> of it.
trust_manifest() {
	rw_run skopeo inspect --tls-verify=false --raw "docker://$TRUST_REG/$1"
	[ "$RW_RC" -eq 0 ] || rw_die "skopeo inspect $1 failed: $RW_ERR"
	printf '%s' "$RW_OUT" >"$2"
	TRUST_DIGEST=sha256:$(sha256sum "$2" | cut -d' ' -f1)
}

# trust_lookaside_put REPO DIGEST N FILE: installs FILE as signature-N of REPO@DIGEST in the
# lookaside (REPO without the registry host).
trust_lookaside_put() {
	local dir=$TRUST_SIGSTORE/$1@${2%%:*}=${2#*:}
	mkdir -p "$dir"
	cp "$4" "$dir/signature-$3"
}

# trust_pull REF POLICY-FILE: podman pull of $TRUST_REG/REF into the isolated store with the
# given pull-time policy (podman's own check, which runwarden does not rely on).
trust_pull() {
	rw_run env HOME="$T/home" podman --root "$RW_PODMAN_DIR/root" \
		--runroot "$RW_PODMAN_DIR/runroot" --storage-driver "$RW_PODMAN_DRIVER" pull \
		--tls-verify=false --signature-policy "$2" "$TRUST_REG/$1"
	[ "$RW_RC" -eq 0 ] || rw_die "podman pull $1 failed: $RW_ERR"
}

# trust_config POLICY-FILE [EXTRA-TRUST-JSON]: runwarden config whose trust section uses
# POLICY-FILE, the test's registries.d and cache.
trust_config() {
	local extra=${2:-'{}'} trust
	trust=$(jq -cn --arg p "$1" --arg r "$TRUST_REGD" --arg c "$T/cache" --argjson x "$extra" \
		'{policy: $p, registriesD: $r, cacheDir: $c, unknownImage: "refuse"} + $x')
	rw_write_config "$T/runwarden.json" "{\"trust\": $trust}"
}

# trust_run_ok MSG IMAGE: podman run through the shim succeeds and prints the variant.
trust_run_ok() {
	rw_run rw_podman run --rm "$2" /bin/cat /variant
	if [ "$RW_RC" -eq 0 ]; then
		rw_pass "$1"
	else
		rw_fail "$1" "exit $RW_RC" "stdout: $RW_OUT" "stderr: $RW_ERR"
	fi
}

# trust_run_refused MSG IMAGE NEEDLE...: podman run fails, and podman's error carries one
# runwarden refusal line containing every NEEDLE.
trust_run_refused() {
	local msg=$1 img=$2 line n bad=()
	shift 2
	rw_run rw_podman run --rm "$img" /bin/cat /variant
	line=$(printf '%s\n' "$RW_ERR" | grep -o 'runwarden: refused:.*' | head -n 1 || true)
	[ "$RW_RC" -ne 0 ] || bad+=("podman run succeeded")
	[ -n "$line" ] || bad+=("no 'runwarden: refused:' line")
	for n in "$@"; do
		[[ "$line" == *"$n"* ]] || bad+=("refusal lacks: $n")
	done
	if [ ${#bad[@]} -eq 0 ]; then
		rw_pass "$msg"
	else
		rw_fail "$msg" "${bad[@]}" "stderr: $RW_ERR"
	fi
}

# trust_sigstore_key NAME [ec|ed25519]: an openssl key pair $T/keys/NAME.key (private PEM) and
# $T/keys/NAME.pub (PUBLIC KEY PEM), as cosign and sigstoreSigned use.
trust_sigstore_key() {
	local name=$1 kind=${2:-ec}
	if [ "$kind" = ed25519 ]; then
		openssl genpkey -algorithm ED25519 -out "$T/keys/$name.key" 2>/dev/null
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out "$T/keys/$name.key" 2>/dev/null
	fi || rw_die "openssl could not create key $name"
	openssl pkey -in "$T/keys/$name.key" -pubout -out "$T/keys/$name.pub" 2>/dev/null ||
		rw_die "openssl could not export key $name"
}

# trust_blob_upload REPO FILE: uploads FILE as a blob of $TRUST_REG/REPO; prints its digest.
trust_blob_upload() {
	local repo=$1 f=$2 d loc sep
	d=sha256:$(sha256sum "$f" | cut -d' ' -f1)
	loc=$(curl -sfS -D - -o /dev/null -X POST "http://$TRUST_REG/v2/$repo/blobs/uploads/" |
		tr -d '\r' | awk -F': ' 'tolower($1) == "location" {print $2}')
	[ -n "$loc" ] || return 1
	case $loc in http*) ;; *) loc="http://$TRUST_REG$loc" ;; esac
	case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
	curl -sfS -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$f" \
		"$loc${sep}digest=$d" >/dev/null || return 1
	printf '%s\n' "$d"
}

# trust_sigstore_attach REPO MANIFEST-DIGEST KEY IDENTITY [SIGNED-DIGEST]: writes a sigstore
# signature the way cosign and containers/image store them (an OCI manifest tagged
# sha256-<hex>.sig whose layer is the simple-signing payload, media type
# application/vnd.dev.cosign.simplesigning.v1+json, with the base64 signature in the
# dev.cosignproject.cosign/signature annotation), signed with openssl (ECDSA P-256 with
# SHA-256, or Ed25519). SIGNED-DIGEST (default MANIFEST-DIGEST) is what the payload claims.
trust_sigstore_attach() {
	local repo=$1 md=$2 key=$3 ident=$4 sd=${5:-$2} w cdig pdig sig
	w=$(mktemp -d "$T/attach.XXXXXX")
	printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
		"$ident" "$sd" >"$w/payload"
	if openssl pkey -in "$key" -noout -text 2>/dev/null | grep -q ED25519; then
		openssl pkeyutl -sign -rawin -inkey "$key" -in "$w/payload" -out "$w/sig" 2>/dev/null
	else
		openssl dgst -sha256 -sign "$key" -out "$w/sig" "$w/payload" 2>/dev/null
	fi || rw_die "openssl could not sign for $repo"
	sig=$(base64 -w0 "$w/sig")
	printf '{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}' \
		>"$w/config"
	cdig=$(trust_blob_upload "$repo" "$w/config") || rw_die "blob upload to $repo failed"
	pdig=$(trust_blob_upload "$repo" "$w/payload") || rw_die "blob upload to $repo failed"
	jq -cn --arg c "$cdig" --argjson cs "$(stat -c %s "$w/config")" --arg p "$pdig" \
		--argjson ps "$(stat -c %s "$w/payload")" --arg s "$sig" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", digest: $p,
		          size: $ps, annotations: {"dev.cosignproject.cosign/signature": $s}}]}' \
		>"$w/manifest"
	curl -sfS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary @"$w/manifest" \
		"http://$TRUST_REG/v2/$repo/manifests/sha256-${md#sha256:}.sig" >/dev/null ||
		rw_die "pushing the signature manifest of $repo failed"
	rm -rf "$w"
}
