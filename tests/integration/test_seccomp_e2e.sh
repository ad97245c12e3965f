#!/bin/bash
# seccomp enforced end to end through podman and containerd with the runwarden shims: the
# site profile (runwarden's default plus getcpu -> EXDEV, a decision only it makes) is given
# to containers without a confining profile under `require`, always under `replace`, never
# under `passthrough`; a denied syscall fails inside the container with the profile's errno
# (probe_syscall), allowed ones work, exec'd processes get the same filter, crun receives
# runwarden's compiled filter, the decision is in the audit record, and a bad site profile
# or a bad profile handed to `runwarden seccomp` is refused naming file, path and reason.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require podman conmon jq containerd ctr
rw_host_prepare
rw_require_probe probe_syscall
rw_tmpdir T
rw_make_shims "$T/shims"
SITE=$T/site-seccomp.json
jq '.syscalls |= map(if .names then .names -= ["getcpu"] else . end) |
	.syscalls += [{"names": ["getcpu"], "action": "SCMP_ACT_ERRNO", "errno": "EXDEV"}]' \
	"$RW_SRC/profiles/seccomp/default.json" >"$SITE"
CACHE=$T/cache

# policy MODE [EXTRA-JSON]: rewrites the runwarden config (same file podman/containerd use).
policy() {
	local extra=${2:-'{}'}
	audit_config "$(jq -n --arg m "$1" --arg p "$SITE" --arg c "$CACHE" --argjson x "$extra" \
		'{seccomp: ({mode: $m, profile: $p, cacheDir: $c} * $x)}')"
}
policy require
audit_init

# probe RUNNER... : runs probe_syscall getcpu/getppid/swapon/nr 1000 in a container and
# prints its lines (one per syscall).
PROBE_ARGS=(probe_syscall getcpu null null null -- getppid -- swapon null 0 -- 1000)

# ---- podman ---------------------------------------------------------------------------
rw_podman_env "$T/p"
rw_podman_import_image localhost/rwsec:latest

prun() {
	rw_run rw_podman run --rm "$@" localhost/rwsec:latest "${PROBE_ARGS[@]}"
}

prun
rw_assert_contains "$RW_OUT" "getcpu: ok" "podman, require, podman's default profile kept: getcpu allowed"
rw_assert_contains "$RW_OUT" "getppid: ok" "podman, require: getppid allowed"
rw_assert_contains "$RW_OUT" "swapon: errno=1 EPERM" "podman, require: swapon fails with the profile's EPERM"
rw_assert_contains "$RW_OUT" "1000: errno=38 ENOSYS" "podman, require: an unknown syscall fails with the profile's ENOSYS"

prun --security-opt seccomp=unconfined
rw_assert_contains "$RW_OUT" "getcpu: errno=18 EXDEV" "podman, require, seccomp=unconfined: given the site profile (getcpu EXDEV)"
rw_assert_contains "$RW_OUT" "getppid: ok" "podman, require, unconfined: allowed syscalls still work"
rw_assert_contains "$RW_OUT" "swapon: errno=1 EPERM" "podman, require, unconfined: swapon EPERM"
rec=$(jq -c 'select(.facts.seccomp)' "$AUDIT_LOG" | tail -n 1)
rw_assert_eq "site/none" "$(jq -r '.facts.seccomp | "\(.source)/\(.replaced)"' <<<"$rec")" \
	"audit record: the site profile was given to a container without one (podman writes none for unconfined)"
rw_assert_match "$(jq -r '.facts.seccomp.profileSha256' <<<"$rec")" '^[0-9a-f]{64}$' "audit record: profile digest"
rw_assert_match "$(jq -r '.facts.seccomp.filter.sha256' <<<"$rec")" '^[0-9a-f]{64}$' "audit record: filter digest"
rw_assert_eq true "$(jq -r '.facts.seccomp.filter.handedToCrun' <<<"$rec")" "audit record: filter handed to crun"

# A long-running container: the filter handed to crun is in its config, and exec gets it.
rw_run rw_podman run -d --name sec-$$ --security-opt seccomp=unconfined localhost/rwsec:latest sleep 300
rw_assert_rc 0 "podman run -d (unconfined, require)"
id=$(rw_podman inspect --format '{{.Id}}' "sec-$$")
cfg=$(find "$RW_PODMAN_DIR/root" -path "*$id*/userdata/config.json" | head -n1)
rw_assert_match "$(jq -r '.annotations["run.oci.seccomp_bpf_data"] // "none"' "$cfg")" '^[A-Za-z0-9+/]{100,}=*$' \
	"the container's config.json carries runwarden's compiled filter for crun"
rw_assert_eq SCMP_ACT_ERRNO "$(jq -r .linux.seccomp.defaultAction "$cfg")" "...and the site profile as linux.seccomp"
rw_run rw_podman exec "sec-$$" probe_syscall getcpu null null null
rw_assert_contains "$RW_OUT" "getcpu: errno=18 EXDEV" "podman exec: the exec'd process runs under the same filter"
rw_podman rm -f -t 0 "sec-$$" >/dev/null 2>&1 || true

policy passthrough
prun --security-opt seccomp=unconfined
rw_assert_contains "$RW_OUT" "getcpu: ok" "podman, passthrough, unconfined: stays unconfined"
rw_assert_not_contains "$RW_OUT" "EXDEV" "podman, passthrough: the site profile is not applied"

policy replace
prun
rw_assert_contains "$RW_OUT" "getcpu: errno=18 EXDEV" "podman, replace: podman's profile is replaced by the site's"
rw_assert_contains "$RW_OUT" "getppid: ok" "podman, replace: allowed syscalls work"

# runc wrapped: runwarden writes the profile, runc compiles it itself (no annotation).
policy require
rw_podman_use_runtime runc
prun --security-opt seccomp=unconfined
rw_assert_contains "$RW_OUT" "getcpu: errno=18 EXDEV" "podman + runc shim, require, unconfined: site profile enforced by runc"
rw_podman_use_runtime crun

# A bad site profile: the start is refused with one line naming file, path and reason.
cp "$RW_SRC/tests/data/seccomp/bad/unknown_action.json" "$T/bad-site.json"
audit_config "$(jq -n --arg p "$T/bad-site.json" '{seccomp: {mode: "replace", profile: $p}}')"
B=$T/bundle
rw_make_bundle "$B" /bin/true
rw_run_in "$B" "$RW_SHIMS/crun" run "bad-$$"
rw_assert_refused "bad site profile: refused (one line, no 126/127 phrases)"
rw_assert_contains "$RW_ERR" "$T/bad-site.json" "bad site profile: the refusal names the file"
rw_assert_contains "$RW_ERR" '$.syscalls[1].action' "bad site profile: ...the JSON path"
rw_assert_contains "$RW_ERR" "unknown action 'SCMP_ACT_DENY'" "bad site profile: ...and the reason"

# An engine profile crun would reject is refused before crun sees it (passthrough).
policy passthrough
rw_make_bundle "$B.2" /bin/true
rw_bundle_jq "$B.2" '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO", syscalls: [{names: ["read"], action: "SCMP_ACT_ALLOW", errnoRet: 1}]}'
rw_run_in "$B.2" "$RW_SHIMS/crun" run "bad2-$$"
rw_assert_refused "engine profile with errnoRet on ALLOW: refused"
rw_assert_contains "$RW_ERR" "seccomp.invalid-profile" "...names the rule"
rw_assert_contains "$RW_ERR" '$.linux.seccomp.syscalls[0].errnoRet' "...names the field"

# ---- containerd -----------------------------------------------------------------------
policy require
rw_containerd_start "$T/ctd"
IMG=docker.io/library/rwsec:latest
rw_ctr_import_image "$IMG"
crun_ctr() {
	rw_run rw_ctr run --rm --runc-binary "$RW_SHIMS/$1" "${@:2}" "$IMG" "ctd-$$-$RANDOM" "${PROBE_ARGS[@]}"
}
crun_ctr crun
rw_assert_contains "$RW_OUT" "getcpu: errno=18 EXDEV" "containerd + crun shim, require, no seccomp: site profile (getcpu EXDEV)"
rw_assert_contains "$RW_OUT" "getppid: ok" "containerd + crun, require: getppid allowed"
rw_assert_contains "$RW_OUT" "swapon: errno=1 EPERM" "containerd + crun, require: swapon EPERM"
rw_assert_contains "$RW_OUT" "1000: errno=38 ENOSYS" "containerd + crun, require: unknown syscall ENOSYS"
crun_ctr crun --seccomp
rw_assert_contains "$RW_OUT" "getcpu: ok" "containerd --seccomp (its own profile) is kept under require"
rw_assert_contains "$RW_OUT" "swapon: errno=1 EPERM" "containerd's own profile: swapon EPERM"
crun_ctr runc
rw_assert_contains "$RW_OUT" "getcpu: errno=18 EXDEV" "containerd + runc shim, require: site profile enforced by runc"
policy passthrough
crun_ctr crun
rw_assert_contains "$RW_OUT" "getcpu: ok" "containerd, passthrough, no seccomp: left unconfined"

# ---- the commands refuse bad profiles with file, path and reason ----------------------
while IFS=$'\t' read -r file path reason; do
	case "$file" in '#'* | '') continue ;; esac
	f=$RW_SRC/tests/data/seccomp/bad/$file
	rw_run "$RW_BIN" seccomp compile "$f" -o "$T/out.bpf"
	if [ "$RW_RC" -eq 1 ] && [[ "$RW_ERR" == *"$f"* && "$RW_ERR" == *"$path"* && "$RW_ERR" == *"$reason"* ]]; then
		rw_pass "seccomp compile $file: refused with file, path ($path) and reason"
	else
		rw_fail "seccomp compile $file: expected a refusal naming $path and '$reason'" "rc $RW_RC" "$RW_ERR"
	fi
done <"$RW_SRC/tests/data/seccomp/bad/expect.tsv"

rw_finish
