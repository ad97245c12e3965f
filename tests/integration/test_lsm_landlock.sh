#!/bin/bash
# Landlock end to end, on a host where neither AppArmor nor SELinux confine containers: a
# tenant with "read-only /etc, no access to /srv/secret", through podman (run and exec) and
# containerd (ctr run and task exec), with runwarden's static launcher in front of every
# process. The container cannot write /etc/x nor read /srv/secret/key (EACCES) and everything
# else works; the audit record lists the ruleset and its ABI; poststop removes the
# container's record. Also: the tenant's level against apparmor=unconfined and label=disable,
# and lsm.required refusing what this host cannot enforce.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require jq podman conmon
rw_require_probe probe_fs
rw_host_prepare
[ -x "$RW_BUILD_DIR/runwarden-landlock" ] || rw_skip "runwarden-landlock is not built"
rw_tmpdir T
rw_make_shims "$T/shims"

LSM_STATE=$T/lsmstate
lsm_patch() { # [REQUIRED-JSON]
	jq -n --arg s "$LSM_STATE" --arg src "$RW_SRC" --arg t "$T" --arg l "$RW_BUILD_DIR/runwarden-landlock" \
		--argjson req "${1:-false}" '{
		audit: {log: ($t + "/log/audit.jsonl"), sealKey: ($t + "/key/seal.key")},
		lsm: {
			required: $req,
			stateDir: $s,
			apparmor: {template: ($src + "/profiles/apparmor/containers-default.tmpl"),
			           cacheDir: ($t + "/aacache")},
			selinux: {mcs: {stateDir: ($t + "/mcs")}},
			landlock: {launcher: $l},
			tenants: {default: {files: {readOnly: ["/etc"], deny: ["/srv/secret"]}}}
		}}'
}
CFG=$T/runwarden.json
rw_write_config "$CFG" "$(lsm_patch)"

rw_run "$RW_BIN" profile landlock --json
rw_assert_rc 0 "runwarden profile landlock"
ABI=$(jq -r .ruleset.abi <<<"$RW_OUT")
[ "${ABI:-0}" -gt 0 ] || rw_skip "the kernel has no Landlock (ABI ${ABI:-?})"
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	rw_skip "AppArmor is enabled here: it, not Landlock, enforces the file rules"
fi
rw_run "$RW_BIN" audit init --key-out "$T/verification.key"
[ "$RW_RC" -eq 0 ] || rw_die "audit init failed: $RW_ERR"

# The image: a busybox rootfs with the probes, /etc, and a secret under /srv/secret.
ROOTFS=$T/rootfs
rw_make_rootfs "$ROOTFS"
mkdir -p "$ROOTFS/srv/secret" "$ROOTFS/srv/public"
echo top-secret >"$ROOTFS/srv/secret/key"
echo hello >"$ROOTFS/srv/public/file"

# What every container must show: the two refusals, and the rest working.
PROBE=(probe_fs write:/etc/x read:/srv/secret/key ls:/srv/secret cat:/etc/hostname
	write:/tmp/ok mkdir:/tmp/d read:/srv/public/file exec:/bin/true write:/dev/.runwarden-landlock)
check_probe() { # WHAT OUTPUT
	rw_assert_contains "$2" "write /etc/x: errno=13 EACCES" "$1: cannot write /etc/x"
	rw_assert_contains "$2" "read /srv/secret/key: errno=13 EACCES" "$1: cannot read /srv/secret/key"
	rw_assert_contains "$2" "ls /srv/secret: errno=13 EACCES" "$1: cannot list /srv/secret"
	rw_assert_contains "$2" "cat /etc/hostname: ok" "$1: can read /etc"
	rw_assert_contains "$2" "write /tmp/ok: ok" "$1: can write /tmp"
	rw_assert_contains "$2" "mkdir /tmp/d: ok" "$1: can mkdir in /tmp"
	rw_assert_contains "$2" "read /srv/public/file: ok" "$1: can read the rest of /srv"
	rw_assert_contains "$2" "exec /bin/true: exit=0: ok" "$1: can run programs"
	rw_assert_match "$2" "write /dev/.runwarden-landlock: errno=(30 EROFS|13 EACCES)" \
		"$1: the launcher is read-only"
	rw_assert_not_contains "$2" "top-secret" "$1: the secret never shows"
}

# --- podman -------------------------------------------------------------------------------
rw_podman_env "$T/podman"
rw_rootfs_tar "$ROOTFS" "$T/rootfs.tar"
rw_run rw_podman import --change 'CMD ["/bin/sh"]' "$T/rootfs.tar" lsmtest
[ "$RW_RC" -eq 0 ] || rw_die "podman import failed: $RW_ERR"

for rt in crun runc; do
	rw_podman_use_runtime "$rt"
	rw_run rw_podman run --rm lsmtest "${PROBE[@]}"
	rw_assert_rc 1 "podman/$rt run: probe ran (and some actions failed, as they must)"
	check_probe "podman/$rt run" "$RW_OUT"
	# an application's ordinary work
	rw_run rw_podman run --rm lsmtest sh -c 'echo data >/tmp/f && cat /tmp/f && ls /etc >/dev/null && cat /etc/passwd >/dev/null && id -u && echo done'
	rw_assert_eq "0" "$RW_RC" "podman/$rt: an ordinary shell script works"
	rw_assert_contains "$RW_OUT" "done" "podman/$rt: script output"

	rw_run rw_podman run -d --name "ll-$rt" lsmtest sleep 1000
	rw_assert_rc 0 "podman/$rt run -d"
	rw_run rw_podman exec "ll-$rt" "${PROBE[@]}"
	rw_assert_rc 1 "podman/$rt exec: probe ran"
	check_probe "podman/$rt exec" "$RW_OUT"
	rw_run rw_podman exec "ll-$rt" sh -c 'echo x >/etc/y'
	rw_assert_ne 0 "$RW_RC" "podman/$rt exec sh: write to /etc fails"
	rw_run rw_podman rm -f -t 0 "ll-$rt"
	rw_assert_rc 0 "podman/$rt rm"
done
# poststop ran for each container: no records left behind
rw_check "$(rw_dir_is_empty "$LSM_STATE/containers"; echo $?)" "podman: poststop removed every container record" \
	"$(ls -la "$LSM_STATE/containers" 2>&1)"

# The audit record lists the ruleset and its ABI.
LOG=$T/log/audit.jsonl
if [ -f "$LOG" ]; then
	rec=$(jq -c 'select(.facts.lsm.landlock.ruleset != null and .facts.lsm.apparmor != null)' "$LOG" | tail -n 1)
	rw_assert_ne "" "$rec" "audit: a create record carries lsm.landlock.ruleset"
	rw_assert_eq "$ABI" "$(jq -r .facts.lsm.landlock.ruleset.abi <<<"$rec")" "audit: the ruleset's ABI"
	rw_assert_eq '[{"path":"/srv/secret","access":"none"},{"path":"/etc","access":"read-only"}]' \
		"$(jq -c .facts.lsm.landlock.ruleset.rules <<<"$rec")" "audit: the ruleset's rules"
	rw_assert_eq "not enforced" "$(jq -r .facts.lsm.apparmor.status <<<"$rec")" \
		"audit: AppArmor reported not enforced"
	rw_assert_match "$(jq -c .facts.lsm.landlock.ruleset.notEnforced <<<"$rec")" "chmod, chown" \
		"audit: what Landlock cannot enforce is listed"
	rec=$(jq -c 'select(.facts.lsm.landlock.ruleset != null and (.event // "" | test("exec")))' "$LOG" | tail -n 1)
	rw_assert_ne "" "$rec" "audit: an exec record carries the ruleset"
	rw_assert_eq "$ABI" "$(jq -r .facts.lsm.landlock.ruleset.abi <<<"$rec")" "audit: the exec's ruleset ABI"
else
	rw_fail "audit: no audit log at $LOG"
fi

# The tenant's level: unconfined and label=disable are refused for the default tenant.
# (podman reports the runtime's one line inside its own "OCI runtime error" message.)
refused_by() { # MSG RULE
	rw_assert_ne 0 "$RW_RC" "$1: podman fails"
	rw_assert_contains "$RW_ERR" "runwarden: refused: rule $2:" "$1: refused by $2"
	rw_assert_not_contains "$RW_ERR" "permission denied" "$1: no EACCES wording"
}
rw_podman_use_runtime crun
rw_run rw_podman run --rm --security-opt apparmor=unconfined lsmtest true
refused_by "podman --security-opt apparmor=unconfined" lsm.apparmor-unconfined
rw_run rw_podman run --rm --security-opt label=disable lsmtest true
refused_by "podman --security-opt label=disable" lsm.selinux-disable

# lsm.required: AppArmor cannot be enforced here, so a site that requires it refuses.
rw_write_config "$CFG" "$(lsm_patch '["apparmor"]')"
rw_run rw_podman run --rm lsmtest true
refused_by "lsm.required [apparmor] on a host without AppArmor" lsm.required
rw_write_config "$CFG" "$(lsm_patch true)"
rw_run rw_podman run --rm lsmtest true
rw_assert_rc 0 "lsm.required true: Landlock enforces the tenant's file rules"
rw_write_config "$CFG" "$(lsm_patch)"

# --- containerd ----------------------------------------------------------------------------
if command -v containerd >/dev/null && command -v ctr >/dev/null; then
	rw_containerd_start "$T/containerd"
	rw_oci_image_tar "$ROOTFS" "$T/image.tar" docker.io/library/lsmtest:latest
	rw_run rw_ctr image import "$T/image.tar"
	[ "$RW_RC" -eq 0 ] || rw_die "ctr image import failed: $RW_ERR"
	for rt in runc crun; do
		rw_run rw_ctr run --rm --runc-binary "$RW_SHIMS/$rt" docker.io/library/lsmtest:latest "ctr-$rt" "${PROBE[@]}"
		rw_assert_rc 1 "containerd/$rt run: probe ran"
		check_probe "containerd/$rt run" "$RW_OUT"
		rw_run rw_ctr run -d --runc-binary "$RW_SHIMS/$rt" docker.io/library/lsmtest:latest "ctrd-$rt" sleep 1000
		rw_assert_rc 0 "containerd/$rt run -d"
		rw_run rw_ctr task exec --exec-id e1 "ctrd-$rt" "${PROBE[@]}"
		rw_assert_rc 1 "containerd/$rt task exec: probe ran"
		check_probe "containerd/$rt task exec" "$RW_OUT"
		rw_run rw_ctr task kill -s SIGKILL "ctrd-$rt"
		rw_wait_for 20 sh -c "! '$RW_CONTAINERD_DIR/ctr' task ls | grep -q 'ctrd-$rt.*RUNNING'" || true
		rw_run rw_ctr task delete -f "ctrd-$rt"
		rw_run rw_ctr container delete "ctrd-$rt"
	done
	rw_check "$(rw_dir_is_empty "$LSM_STATE/containers"; echo $?)" \
		"containerd: poststop removed every container record" "$(ls -la "$LSM_STATE/containers" 2>&1)"
else
	rw_pass "containerd not installed: containerd part skipped"
fi

rw_finish
