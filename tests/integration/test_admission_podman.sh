#!/bin/bash
# Site admission policy end to end through podman (isolated store, crun shim). The starter's
# login uid picks the tenant: podman runs from a shell that wrote an unused uid to
# /proc/self/loginuid (conmon and the runtime inherit it). For a baseline tenant
# --privileged, --pid=host, --net=host, -v /:/host, -v /run/podman/podman.sock:/s,
# --cap-add=SYS_ADMIN, --device /dev/kmsg and seccomp=unconfined are refused, each by its
# rule, and a refused container leaves nothing behind; a privileged tenant runs them all; a
# warn-mode tenant is told and runs; `podman exec --privileged` into a baseline container is
# refused, whoever asks; `runwarden check --as` shows the same verdict. The tenant record
# needs no poststop hook: stale records are ignored, and removed by an exec or a sweep.
RW_TEST_NAME=adm-podman # podman refuses a runroot path longer than 50 characters
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require podman conmon jq "$RW_PYTHON"
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"

LOGIN_BASE=4243 LOGIN_WARN=4244 LOGIN_OPS=4245 LOGIN_CHECK=4246
# Can this test set a login uid at all (unset, or CAP_AUDIT_CONTROL and not immutable)?
if ! bash -c "echo $LOGIN_CHECK > /proc/self/loginuid" 2>/dev/null; then
	rw_skip "cannot set /proc/self/loginuid (immutable login uids, or no CAP_AUDIT_CONTROL)"
fi

STATE=$T/admission-state
rw_write_config "$T/runwarden.json" "$(jq -n --arg st "$STATE" --arg t "$T" '{
	admission: {
		stateDir: $st,
		defaultTenant: "base",
		tenants: {
			base: {level: "baseline"},
			warnme: {level: "baseline", mode: "warn"},
			ops: {level: "privileged"}
		},
		match: [
			{loginUid: 4243, tenant: "base"},
			{loginUid: 4244, tenant: "warnme"},
			{loginUid: 4245, tenant: "ops"}
		]
	},
	mounts: {secretsDir: ($t + "/secrets"), mountsFile: ($t + "/none.conf")},
	audit: {log: ($t + "/audit/audit.jsonl"), sealKey: ($t + "/audit/seal.key")}
}')"
rw_podman_env "$T/podman"
IMG=localhost/rwtest:latest
rw_podman_import_image "$IMG"

# cond CMD...: "0" when CMD succeeds, else "1" (for rw_check; a failing command inside
# $(...) would end the subshell under inherit_errexit before it could print $?).
cond() {
	if "$@" >/dev/null 2>&1; then echo 0; else echo 1; fi
}
not() { ! "$@"; }
# A failure podman reports as such: it maps an OCI runtime error to 126 (run) or 255
# (exec); 127 would say "command not found", 124 is a timeout, 99 the loginuid write, other
# codes above 128 a signal.
failed_cleanly() {
	[ "$RW_RC" -ne 0 ] && [ "$RW_RC" -ne 127 ] && [ "$RW_RC" -ne 124 ] &&
		[ "$RW_RC" -ne 99 ] && { [ "$RW_RC" -lt 128 ] || [ "$RW_RC" -eq 255 ]; }
}

# Containers the runtime still knows whose bundle is under $T are ours: never leave one.
leftover_cleanup() {
	local d id b
	for d in /run/crun/*/; do
		[ -d "$d" ] || continue
		id=$(basename "$d")
		b=$(crun state "$id" 2>/dev/null | jq -r .bundle 2>/dev/null) || continue
		[[ "$b" == "$T"/* ]] && crun delete --force "$id" >/dev/null 2>&1
	done
	return 0
}
rw_on_exit leftover_cleanup

# podman_as LOGINUID ARGS...: the isolated podman, started by a process whose login uid
# is LOGINUID (what pam_loginuid gives a user's session).
podman_as() {
	local uid=$1
	shift
	rw_run bash -c 'echo "$1" > /proc/self/loginuid || exit 99; shift; exec "$@"' _ "$uid" \
		"$RW_EXE_rw_podman" "$@"
}

# A dummy podman API socket on the host (only if there is none; removed afterwards).
SOCK=/run/podman/podman.sock
if [ ! -e "$SOCK" ]; then
	[ -d /run/podman ] || { mkdir /run/podman && rw_on_exit "rmdir /run/podman"; }
	"$RW_PYTHON" -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
	rw_on_exit "rm -f $SOCK"
fi

CASES=(
	"privileged.all-capabilities|--privileged"
	"namespaces.host|--pid=host"
	"namespaces.host|--net=host"
	"mounts.sensitive-path|-v /:/host"
	"mounts.sensitive-path|-v $SOCK:/s"
	"capabilities.beyond-level|--cap-add=SYS_ADMIN"
	"devices.host|--device /dev/kmsg"
	"privileged.no-seccomp|--security-opt seccomp=unconfined"
)

n=0
for c in "${CASES[@]}"; do
	rule=${c%%|*}
	flags=${c#*|}
	n=$((n + 1))
	# shellcheck disable=SC2086 # flags are words
	podman_as $LOGIN_BASE run --name "refused-$n" $flags "$IMG" /bin/true
	rw_check "$(cond failed_cleanly)" "baseline: podman run $flags fails" "exit $RW_RC" \
		"stderr: $RW_ERR"
	rw_assert_contains "$RW_ERR" "runwarden: refused: rule admission.$rule:" \
		"baseline: $flags refused by admission.$rule"
	rw_assert_contains "$RW_ERR" "(tenant base, level baseline)" \
		"baseline: $flags: the refusal names tenant and level"
	rw_assert_not_contains "$RW_ERR" "permission denied" "baseline: $flags: no EACCES wording"
	# a refused container leaves nothing behind: no runtime container, no tenant record,
	# podman's config.json as podman wrote it
	id=$("$RW_EXE_rw_podman" inspect -f '{{.Id}}' "refused-$n" 2>/dev/null || true)
	if [ -n "$id" ]; then
		rw_check "$(cond not crun state "$id")" "baseline: $flags: the runtime has no container"
		rw_check "$(cond not test -e "$STATE/$id.json")" "baseline: $flags: no tenant record"
		cfg=$(find "$T/podman" -path "*$id/userdata/config.json" | head -n 1)
		if [ -n "$cfg" ]; then
			rw_check "$(cond jq -e '[.hooks.poststop[]?.args[]?] | index("admission-forget") | not' \
				"$cfg")" "baseline: $flags: config.json left unchanged"
		fi
	else
		rw_fail "baseline: $flags: podman does not know refused-$n" "$RW_ERR"
	fi
	rw_run rw_podman rm -f "refused-$n"

	# shellcheck disable=SC2086
	podman_as $LOGIN_OPS run --rm $flags "$IMG" /bin/true
	rw_assert_rc 0 "privileged tenant: podman run $flags runs"
done
# No poststop hook forgets a tenant: run --rm leaves records, each naming a runtime state
# directory that is gone, so none counts for anything.
stale_records() { # prints the records whose container's runtime state directory is gone
	local f id root
	for f in "$STATE"/*.json; do
		[ -f "$f" ] || continue
		id=$(basename "$f" .json)
		root=$(jq -r '.runtimeRoot // empty' "$f") || return 1
		[ -n "$root" ] || return 1
		[ -d "$root/$id" ] || echo "$f"
	done
}
left=$(stale_records) || rw_fail "every tenant record names its runtime root" "$(ls -l "$STATE")"
rw_check "$(cond test -n "$left")" "run --rm leaves tenant records behind (no poststop hook)"
rw_check "$(cond test "$(stale_records | wc -l)" -eq "$(find "$STATE" -name '*.json' | wc -l)")" \
	"every record run --rm left names a runtime state directory that is gone"
# A create sweeps the dead records once they are a minute old (here: made to look so).
# shellcheck disable=SC2086 # the list is one name per line, no spaces
touch -d '-2 min' $left
for _ in 1 2 3; do
	touch -d '-2 min' "$STATE/.sweep"
	podman_as $LOGIN_OPS run --rm "$IMG" /bin/true
	rw_assert_rc 0 "a container run to trigger the sweep"
	gone=1
	for f in $left; do [ -e "$f" ] && gone=0; done
	[ "$gone" = 1 ] && break
done
rw_check "$(cond test "$gone" = 1)" "a create sweeps the records of removed containers" \
	"left: $(ls "$STATE")"

# warn mode: told, and runs. podman shows a runtime's stderr only when it fails; the
# warning goes to the runtime log podman names (--log) and into the audit record.
podman_as $LOGIN_WARN run --name warned --cap-add=SYS_ADMIN "$IMG" /bin/sh -c 'echo ran'
rw_assert_rc 0 "warn tenant: --cap-add=SYS_ADMIN runs"
rw_assert_contains "$RW_OUT" "ran" "warn tenant: the container's command ran"
warned_id=$("$RW_EXE_rw_podman" inspect -f '{{.Id}}' warned)
ocilog=$(find "$T/podman" -path "*$warned_id/userdata/oci-log" | head -n 1)
rw_assert_contains "$(cat "${ocilog:-/dev/null}")" \
	"runwarden: warning: rule admission.capabilities.beyond-level" \
	"warn tenant: the warning is printed to the runtime log"
rw_assert_contains "$(cat "$T/audit/audit.jsonl" 2>/dev/null || true)" '"warnme"' \
	"warn tenant: the audit record names the tenant"
rw_run rw_podman rm -f warned
# the warning on stderr, as any engine that shows it gets it
W=$T/warn-bundle
rw_make_bundle "$W" /bin/true
rw_bundle_jq "$W" '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] |
	.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["kexec_load"],
	action: "SCMP_ACT_ERRNO"}]}'
rw_run bash -c 'echo 4244 > /proc/self/loginuid && exec "$1" --root "$2" run --bundle "$3" warn-direct' \
	_ "$RW_SHIMS/crun" "$T/crun-root" "$W"
rw_assert_rc 0 "warn tenant: the runtime wrapper allows the container"
rw_assert_contains "$RW_ERR" "runwarden: warning: rule admission.capabilities.beyond-level" \
	"warn tenant: the warning is printed on stderr"
rw_run "$RW_REAL_CRUN" --root "$T/crun-root" delete --force warn-direct

# exec into a baseline container
podman_as $LOGIN_BASE run -d --name keep "$IMG" /bin/sleep 600
rw_assert_rc 0 "baseline: a plain container runs"
keep_id=$("$RW_EXE_rw_podman" inspect -f '{{.Id}}' keep)
rw_check "$(cond test -f "$STATE/$keep_id.json")" "the container's tenant is recorded"
keep_root=$(jq -r '.runtimeRoot // empty' "$STATE/$keep_id.json" 2>/dev/null || true)
rw_check "$(cond jq -e '(.written | type) == "number" and .tenant == "base"' \
	"$STATE/$keep_id.json")" "the record names the tenant and when it was written"
rw_check "$(cond test -d "$keep_root/$keep_id")" \
	"the record names the runtime root the container lives in" "runtimeRoot: $keep_root"
keep_cfg=$(find "$T/podman" -path "*$keep_id/userdata/config.json" | head -n 1)
rw_check "$(cond jq -e '[.hooks.poststop[]?.args[]?] | index("admission-forget") | not' \
	"${keep_cfg:-/nonexistent}")" "no admission-forget hook in the container's config.json"
podman_as $LOGIN_BASE exec keep /bin/true
rw_assert_rc 0 "baseline: a plain exec runs"
podman_as $LOGIN_BASE exec --privileged keep /bin/true
rw_check "$(cond failed_cleanly)" "baseline: exec --privileged fails" "exit $RW_RC" \
	"stderr: $RW_ERR"
rw_assert_contains "$RW_ERR" "runwarden: refused: rule admission.exec.capabilities:" \
	"baseline: exec --privileged refused by admission.exec.capabilities"
# the container's level decides, not the tenant of whoever asks
podman_as $LOGIN_OPS exec --privileged keep /bin/true
rw_assert_contains "$RW_ERR" "rule admission.exec.capabilities" \
	"a privileged starter cannot exec --privileged into a baseline container"
rw_run rw_podman rm -f --time 0 keep
rw_assert_rc 0 "the baseline container is removed"
rw_assert_not_contains "$(cat "$T/audit/audit.jsonl" 2>/dev/null || true)" "admission-forget" \
	"no audit record's changes add an admission hook"
rw_check "$(cond grep -q "$keep_id" "$T/audit/audit.jsonl")" "the audit log has the container's create"
rw_check "$(cond not test -d "$keep_root/$keep_id")" "the runtime's state of the container is gone"
# An exec that meets the stale record ignores it and removes it (past the minute a create
# in flight is given).
rw_check "$(cond test -e "$STATE/$keep_id.json")" "the record outlives the container (no hook)"
touch -d '-2 min' "$STATE/$keep_id.json" 2>/dev/null || true
rw_run bash -c 'echo 4245 > /proc/self/loginuid && exec "$@"' _ \
	"$RW_SHIMS/crun" --root "$keep_root" exec --cap CAP_SYS_ADMIN "$keep_id" /bin/true
rw_check "$(cond test "$RW_RC" -ne 0)" "exec into a removed container fails"
rw_assert_not_contains "$RW_ERR" "rule admission.exec.capabilities" \
	"the stale record (a baseline tenant) does not judge the exec"
rw_check "$(cond not test -e "$STATE/$keep_id.json")" \
	"no tenant record of the removed container is left"

# runwarden check --as shows the verdict, each rule's result and the diff for a starter
B=$T/check-bundle
rw_make_bundle "$B" /bin/true
rw_bundle_jq "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO",
	syscalls: [{names: ["read"], action: "SCMP_ACT_ALLOW"}]} |
	.process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
before_check=$(ls -A --full-time "$STATE")
rw_run "$RW_BIN" check --bundle "$B" --as "$LOGIN_BASE"
rw_assert_rc 1 "check --as $LOGIN_BASE: refused"
rw_assert_contains "$RW_OUT" "decision: refused" "check: the verdict"
rw_assert_contains "$RW_OUT" "admission.capabilities.beyond-level" "check: the refusing rule"
rw_assert_contains "$RW_OUT" '"capabilities.beyond-level":"refuse"' "check: each rule's result"
rw_assert_contains "$RW_OUT" '"namespaces.host":"pass"' "check: passing rules too"
rw_run "$RW_BIN" check --bundle "$B" --as "$LOGIN_OPS"
rw_assert_rc 0 "check --as $LOGIN_OPS: allowed"
rw_assert_contains "$RW_OUT" 'admission.tenant = "ops"' "check --as: the privileged tenant"
rw_assert_not_contains "$RW_OUT" "admission-forget" "check --as: no admission hook in the diff"
rw_check "$(cond test "$(ls -A --full-time "$STATE")" = "$before_check")" \
	"check writes no tenant record (and sweeps nothing)"

rw_finish
