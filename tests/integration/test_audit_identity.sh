#!/bin/bash
# "Who started it": a shell whose login uid is set to an unused uid (4242, as pam_loginuid
# would at login) starts containers as root, directly through the runc shim and through
# podman (whose conmon daemonises away from the shell). Each record names login uid 4242
# and its audit session although uid is 0; `audit show --user 4242` finds them; the podman
# record names the engine, the container name from podman's storage and the image with its
# digest.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require jq
rw_host_prepare
[ -w /proc/self/loginuid ] || rw_skip "the kernel has no /proc/self/loginuid (no audit support)"
if auditctl -s 2>/dev/null | grep -q '^loginuid_immutable 1'; then
	rw_skip "login uids are immutable on this host (auditctl --loginuid-immutable)"
fi
rw_tmpdir T
rw_make_shims "$T/shims"
audit_config '{"audit":{"linuxAudit":false}}'

AUID=4242
getent passwd "$AUID" >/dev/null && rw_skip "uid $AUID is in use on this host"

# as_login CMD...: runs CMD in a subshell whose login uid is $AUID
as_login() {
	(
		echo "$AUID" >/proc/self/loginuid || exit 99
		exec "$@"
	)
}

# --- direct: the runc shim started from the "logged-in" shell -------------------------
B=$T/bundle
rw_make_bundle "$B" /bin/true
ID=rw-who-$$
rw_run as_login "$RW_SHIMS/runc" --root "$T/state" run --bundle "$B" "$ID"
rw_assert_rc 0 "container started through the runc shim from login uid $AUID"
rec=$(audit_last_record ".event==\"run\" and .container.id==\"$ID\"")
rw_assert_ne "" "$rec" "a run record exists for $ID"
rw_assert_eq "$AUID" "$(jq -r .who.loginuid <<<"$rec")" "the record names login uid $AUID"
rw_assert_eq 0 "$(jq -r .who.uid <<<"$rec")" "although the caller's uid is 0"
rw_assert_match "$(jq -r .who.sessionid <<<"$rec")" '^[0-9]+$' "and the audit session id"
rw_assert_eq 1 "$(jq -r '.who.chain[-1].pid' <<<"$rec")" "the process chain reaches pid 1"
rw_assert_eq "$$" "$(jq -r '.who.chain[0].pid' <<<"$rec")" "the chain starts at runwarden's parent (this shell)"
rw_assert_eq "null" "$(jq -c .who.login_user <<<"$rec")" "an unknown login user is recorded as null"
rw_assert_eq '"direct"' "$(jq -c .engine.name <<<"$rec")" "engine: direct"
rw_assert_eq '["/bin/true"]' "$(jq -c .process.args <<<"$rec")" "the container's command is recorded"
for k in sudo_user ssh_connection tty cgroup unit; do
	rw_assert_eq true "$(jq "has(\"who\") and (.who | has(\"$k\"))" <<<"$rec")" "who.$k is present (value or null)"
done
# sudo: the login uid survives it, and SUDO_* are recorded from the environment
rw_run as_login env SUDO_USER=alice SUDO_UID=1000 SUDO_COMMAND=/usr/bin/runc \
	"$RW_SHIMS/runc" --root "$T/state" run --bundle "$B" "$ID-sudo"
rw_assert_rc 0 "container started with a sudo environment"
rec=$(audit_last_record ".event==\"run\" and .container.id==\"$ID-sudo\"")
rw_assert_eq "alice 1000 /usr/bin/runc" "$(jq -r '"\(.who.sudo_user) \(.who.sudo_uid) \(.who.sudo_command)"' <<<"$rec")" \
	"SUDO_USER, SUDO_UID and SUDO_COMMAND are recorded"

rw_run "$RW_BIN" audit show --user "$AUID" --event run
rw_assert_rc 0 "audit show --user $AUID"
rw_assert_contains "$RW_OUT" "${ID:0:12}" "the table lists the container"
rw_assert_contains "$RW_OUT" "($AUID)" "with login uid $AUID"
rw_run "$RW_BIN" audit show --user 0 --event run --json
rw_assert_not_contains "$RW_OUT" "\"$ID\"" "--user matches the login uid, not the uid"

# --- podman --------------------------------------------------------------------------
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
	rw_skip "podman/conmon missing: direct checks passed ($RW_PASSED), podman part skipped"
fi
rw_podman_env "$T/p"
rw_podman_import_image localhost/rw-audit-who
NAME=rw-who-podman-$$
rw_run as_login "$RW_PODMAN_DIR/podman" run --name "$NAME" localhost/rw-audit-who /bin/true
rw_assert_rc 0 "podman run through runwarden from login uid $AUID"
rec=$(audit_last_record ".event==\"create\" and .container.name==\"$NAME\"")
rw_assert_ne "" "$rec" "a create record names the podman container $NAME"
rw_assert_eq "$AUID" "$(jq -r .who.loginuid <<<"$rec")" "podman record: login uid $AUID"
rw_assert_eq 0 "$(jq -r .who.uid <<<"$rec")" "podman record: uid 0"
rw_assert_eq '"podman"' "$(jq -c .engine.name <<<"$rec")" "podman record: engine podman"
rw_assert_eq '"podman-storage"' "$(jq -c .container.name_source <<<"$rec")" "the name comes from podman's storage"
rw_assert_eq "localhost/rw-audit-who:latest" "$(jq -r .image.name <<<"$rec")" "podman record: image name"
rw_assert_match "$(jq -r .image.id <<<"$rec")" '^[0-9a-f]{64}$' "podman record: image id"
rw_assert_match "$(jq -r .image.digest <<<"$rec")" '^sha256:[0-9a-f]{64}$' "podman record: image digest"
rw_assert_eq true "$(jq '[.who.chain[].comm] | index("conmon") != null' <<<"$rec")" "conmon is in the process chain"
rw_run "$RW_BIN" audit show --container "$NAME"
rw_assert_contains "$RW_OUT" "podman" "audit show --container NAME finds it"
rw_finish
