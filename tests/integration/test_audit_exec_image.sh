#!/bin/bash
# An exec record names the container's image like its create record does, although an exec
# names only the container id: runwarden finds the bundle and annotations in the real
# runtime's own state under its --root (runc state.json, crun status + config.json copy).
# runc and crun called directly (run -d and create/start, inline command and --process,
# crun's XDG_RUNTIME_DIR default root), containerd's `ctr task exec` and `podman exec`
# (image from podman's storage through the bundle found in the state), through the shims.
# A state runwarden will not trust (a linked id) leaves the image unknown, the exec allowed.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require jq
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"
audit_config '{"audit":{"sealEvery":0,"linuxAudit":false}}'

# last_json EVENT ID: the last record of EVENT for container ID, as `audit show --json` prints it
last_json() {
	"$RW_BIN" audit show --event "$1" --container "$2" --json | tail -n 1
}

# same_image RT WHAT ID EVENT IMAGE: the EVENT (run/create) record of ID names IMAGE, and
# the last exec record of ID names it too, found through the runtime's state
same_image() {
	local what=$2 id=$3 c e
	c=$(last_json "$4" "$id")
	e=$(last_json exec "$id")
	rw_assert_eq "$5" "$(jq -r .image.name <<<"$c")" "$1 $what: the $4 record names the image"
	rw_assert_eq "$(jq -c .image.name <<<"$c")" "$(jq -c .image.name <<<"$e")" \
		"$1 $what: the exec record names the same image"
	rw_assert_eq runtime-state+annotation "$(jq -r .image.source <<<"$e")" \
		"$1 $what: and says where it came from"
	rw_assert_eq "$(jq -c .bundle <<<"$c")" "$(jq -c .bundle <<<"$e")" "$1 $what: and the same bundle"
	rw_assert_eq "$(jq -c .container.name <<<"$c")" "$(jq -c .container.name <<<"$e")" \
		"$1 $what: and the same container name"
}

for rt in runc crun; do
	shim=$RW_SHIMS/$rt
	ROOT=$T/root-$rt
	IMG=registry.example/team/app-$rt:1.2
	B=$T/bundle-$rt
	rw_make_bundle "$B" /bin/sleep 1000
	rw_bundle_jq "$B" '.annotations["io.kubernetes.cri.image-name"] = $i |
		.annotations["io.kubernetes.cri.container-name"] = $n' --arg i "$IMG" --arg n "web-$rt"

	# run -d, then exec with an inline command
	id=ei-$rt-$$
	rw_run "$shim" --root "$ROOT" run -d --bundle "$B" "$id"
	rw_assert_rc 0 "$rt run -d through the shim"
	rw_run "$shim" --root "$ROOT" exec "$id" /bin/echo exec-ok
	rw_assert_eq "0/exec-ok" "$RW_RC/$RW_OUT" "$rt exec through the shim"
	same_image "$rt" "inline exec" "$id" run "$IMG"
	rw_assert_eq "\"$B\"" "$(last_json exec "$id" | jq -c .bundle)" "$rt: the exec record names the bundle"

	# exec --process FILE, the way conmon and containerd's shim call it
	jq -n '{cwd: "/", args: ["/bin/echo", "process-ok"], user: {uid: 0, gid: 0},
		env: ["PATH=/bin"], terminal: false}' >"$T/process-$rt.json"
	rw_run "$shim" --root "$ROOT" exec --process "$T/process-$rt.json" "$id"
	rw_assert_eq "0/process-ok" "$RW_RC/$RW_OUT" "$rt exec --process through the shim"
	same_image "$rt" "exec --process" "$id" run "$IMG"

	# a linked id: the runtime follows it, runwarden's lookup does not; the exec still runs
	ln -s "$id" "$ROOT/alias-$id"
	rw_run "$shim" --root "$ROOT" exec "alias-$id" /bin/echo alias-ok
	rw_assert_eq "0/alias-ok" "$RW_RC/$RW_OUT" "$rt exec through a linked id: allowed"
	rw_assert_eq "null/null" "$(last_json exec "alias-$id" | jq -r '"\(.image.name)/\(.image.source)"')" \
		"$rt exec through a linked id: image unknown"
	# no state at all: the runtime's own error, no refusal, and a record that says unknown
	rw_run "$shim" --root "$ROOT" exec "nosuch-$$" /bin/true
	rw_assert_ne 0 "$RW_RC" "$rt exec of an unknown container fails in $rt"
	rw_assert_not_contains "$RW_ERR" "runwarden: refused" "$rt exec of an unknown container: not refused by runwarden"
	rw_assert_eq "null" "$(last_json exec "nosuch-$$" | jq -c .image.name)" \
		"$rt exec of an unknown container: recorded, image unknown"

	"$shim" --root "$ROOT" kill "$id" KILL >/dev/null 2>&1 || true
	rw_wait_for 10 sh -c "! '/usr/bin/$rt' --root '$ROOT' state '$id' | grep -q '\"running\"'" || true
	"$shim" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 || true

	# create + start: the create record and the exec record agree too
	id=ec-$rt-$$
	rw_run "$shim" --root "$ROOT" create --bundle "$B" "$id"
	rw_assert_rc 0 "$rt create through the shim"
	rw_run "$shim" --root "$ROOT" start "$id"
	rw_run "$shim" --root "$ROOT" exec "$id" /bin/true
	rw_assert_rc 0 "$rt exec after create/start"
	same_image "$rt" "after create/start" "$id" create "$IMG"
	"$shim" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 || true
done

# crun without --root uses $XDG_RUNTIME_DIR/crun (even as root): so must the lookup
mkdir -p "$T/xdg"
id=ex-crun-$$
B=$T/bundle-crun
rw_run env XDG_RUNTIME_DIR="$T/xdg" "$RW_SHIMS/crun" run -d --bundle "$B" "$id"
rw_assert_rc 0 "crun run -d with the XDG default root"
rw_check "$([ -d "$T/xdg/crun/$id" ]; echo $?)" "crun keeps its state under \$XDG_RUNTIME_DIR/crun"
rw_run env XDG_RUNTIME_DIR="$T/xdg" "$RW_SHIMS/crun" exec "$id" /bin/true
rw_assert_rc 0 "crun exec with the XDG default root"
same_image crun "default root" "$id" run registry.example/team/app-crun:1.2
XDG_RUNTIME_DIR=$T/xdg "$RW_SHIMS/crun" delete -f "$id" >/dev/null 2>&1 || true

# containerd: `ctr task exec` goes through containerd-shim-runc-v2 and `<shim> exec --process`
if command -v containerd >/dev/null && command -v containerd-shim-runc-v2 >/dev/null; then
	rw_containerd_start "$T/containerd"
	CIMG=docker.io/library/rwtest:latest
	rw_ctr_import_image "$CIMG"
	for rt in runc crun; do
		id=ectr-$rt-$$
		rw_run rw_ctr run -d --runc-binary "$RW_SHIMS/$rt" \
			--annotation "io.kubernetes.cri.image-name=$CIMG" "$CIMG" "$id" sleep 1000
		rw_assert_rc 0 "containerd $rt: ctr run -d"
		rw_run rw_ctr task exec --exec-id e1 "$id" echo ctr-exec-ok
		rw_assert_eq "0/ctr-exec-ok" "$RW_RC/$RW_OUT" "containerd $rt: ctr task exec"
		same_image "containerd $rt" "ctr task exec" "$id" create "$CIMG"
		rw_assert_eq containerd "$(last_json exec "$id" | jq -r .engine.name)" \
			"containerd $rt: the exec record names the engine"
		rw_ctr task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
		rw_wait_for 10 sh -c "! $RW_EXE_rw_ctr task ls | grep -q '^$id .*RUNNING'" || true
		rw_ctr task delete "$id" >/dev/null 2>&1 || true
		rw_ctr container delete "$id" >/dev/null 2>&1 || true
	done
else
	echo "# containerd part skipped: containerd or containerd-shim-runc-v2 missing"
fi

# podman: conmon runs `<shim> exec` without --root; the bundle (podman's userdata) leads to
# podman's storage, which names the image for the create record too
if command -v podman >/dev/null && command -v conmon >/dev/null; then
	rw_podman_env "$T/p"
	PIMG=localhost/rw-exec-image
	rw_podman_import_image "$PIMG"
	for rt in crun runc; do
		rw_podman_use_runtime "$rt"
		name=rw-exec-$rt-$$
		rw_run rw_podman run -d --name "$name" "$PIMG" sleep 1000
		rw_assert_rc 0 "podman $rt: run -d"
		id=$RW_OUT
		rw_run rw_podman exec "$name" echo podman-exec-ok
		rw_assert_eq "0/podman-exec-ok" "$RW_RC/$RW_OUT" "podman $rt: exec"
		c=$(last_json create "$id")
		e=$(last_json exec "$id")
		rw_assert_eq "$PIMG:latest" "$(jq -r .image.name <<<"$c")" "podman $rt: the create record names the image"
		rw_assert_eq "$(jq -c '.image | del(.source)' <<<"$c")" "$(jq -c '.image | del(.source)' <<<"$e")" \
			"podman $rt: the exec record names the same image, id and digest"
		rw_assert_eq runtime-state+podman-storage "$(jq -r .image.source <<<"$e")" \
			"podman $rt: found through the runtime's state and podman's storage"
		rw_assert_eq "$name" "$(jq -r .container.name <<<"$e")" "podman $rt: the exec record names the container"
		rw_run rw_podman rm -f -t 0 "$name"
	done
else
	echo "# podman part skipped: podman or conmon missing"
fi

rw_run "$RW_BIN" audit verify
rw_assert_rc 0 "the log verifies"
rw_finish
