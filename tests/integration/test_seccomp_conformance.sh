#!/bin/bash
# Conformance with podman 4.3: for the same container, `runwarden seccomp resolve` of a
# profile equals the linux.seccomp podman writes into config.json. Podman (isolated, with the
# real crun so only podman resolves) creates containers with its default profile
# (/usr/share/containers/seccomp.json), with --cap-add/--cap-drop, and with custom profiles
# (--security-opt seccomp=FILE) that use errno names, archMap, caps and arches conditions,
# minKernel (ignored by podman) and argument conditions. runwarden's shipped default profile
# must resolve the same way as the containers one.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require podman conmon jq /usr/bin/crun
rw_host_prepare
UPSTREAM=/usr/share/containers/seccomp.json
[ -r "$UPSTREAM" ] || rw_skip "needs $UPSTREAM (containers-common)"
[ ! -e /etc/containers/seccomp.json ] || rw_skip "/etc/containers/seccomp.json overrides podman's default"
rw_tmpdir T
rw_make_shims "$T/shims"
rw_podman_env "$T/p" # short: podman limits the runroot path to 50 characters
rw_podman_use_runtime /usr/bin/crun
rw_podman_import_image localhost/rwseccomp:latest
SHIPPED=$RW_SRC/profiles/seccomp/default.json

# config_of NAME ARGS...: podman create + init a container with ARGS; copies the config.json
# podman wrote to $T/NAME.json.
config_of() {
	local name=$1-$$
	shift
	rw_run rw_podman create --name "$name" "$@" localhost/rwseccomp:latest /bin/true
	[ "$RW_RC" -eq 0 ] || rw_die "podman create $*: $RW_ERR"
	rw_run rw_podman init "$name"
	[ "$RW_RC" -eq 0 ] || rw_die "podman init $*: $RW_ERR"
	rw_run rw_podman inspect --format '{{.Id}}' "$name"
	local f
	f=$(find "$RW_PODMAN_DIR/root" -path "*$RW_OUT*/userdata/config.json" | head -n1)
	[ -n "$f" ] || rw_die "no config.json for $name"
	cp "$f" "$T/${name%-$$}.json"
	rw_run rw_podman rm -f "$name"
}

# compare LABEL PROFILE CONFIG: runwarden's resolution of PROFILE for CONFIG's bounding set
# equals CONFIG's linux.seccomp.
compare() {
	local label=$1 profile=$2 cfg=$3 caps=() c want got
	while read -r c; do caps+=(--cap "$c"); done < <(jq -r '.process.capabilities.bounding[]?' "$cfg")
	want=$(jq -S '.linux.seccomp' "$cfg")
	rw_run "$RW_BIN" seccomp resolve "$profile" "${caps[@]}"
	got=$(printf '%s' "$RW_OUT" | jq -S .)
	if [ "$RW_RC" -eq 0 ] && [ "$want" == "$got" ] && [ "$want" != null ]; then
		rw_pass "$label: runwarden's linux.seccomp equals podman's ($(jq '.linux.seccomp.syscalls|length' "$cfg") rules, ${#caps[@]} caps args)"
	else
		rw_fail "$label: differs from podman" "$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -n 20)" "stderr: $RW_ERR"
	fi
}

declare -A CASES=(
	[default]=""
	[cap-add-sys-admin]="--cap-add SYS_ADMIN"
	[cap-add-several]="--cap-add SYS_PTRACE --cap-add SYS_TIME --cap-add SYS_MODULE --cap-add DAC_READ_SEARCH"
	[cap-drop-audit-write-chroot]="--cap-drop AUDIT_WRITE --cap-drop SYS_CHROOT"
	[cap-drop-all]="--cap-drop ALL"
	[cap-add-all]="--cap-add ALL"
)
for label in default cap-add-sys-admin cap-add-several cap-drop-audit-write-chroot cap-drop-all cap-add-all; do
	# shellcheck disable=SC2086
	config_of "$label" ${CASES[$label]}
	cfg=$T/$label.json
	compare "podman default profile, $label" "$UPSTREAM" "$cfg"
	compare "runwarden's shipped profile, $label" "$SHIPPED" "$cfg"
done

# The caps really matter: with SYS_ADMIN the resolution differs from the default one.
a=$(jq -S .linux.seccomp "$T/default.json")
b=$(jq -S .linux.seccomp "$T/cap-add-sys-admin.json")
rw_assert_ne "$a" "$b" "podman's own output changes with --cap-add SYS_ADMIN (the test can tell)"

# Custom profiles exercising each conversion rule podman applies. crun loads the filter
# before it drops capabilities and execs, so the custom rules are added to the default
# profile, on syscalls the default does not list (no rule conflicts with its own).
jq '.defaultErrnoRet = 1 | .flags = ["SECCOMP_FILTER_FLAG_LOG"] | .syscalls = [
    {"name": "afs_syscall", "action": "SCMP_ACT_ALLOW", "comment": "legacy single name"},
    {"names": ["tuxcall"], "action": "SCMP_ACT_ERRNO", "errno": "EACCES", "errnoRet": 1},
    {"names": ["security"], "action": "SCMP_ACT_ERRNO", "errno": "13"},
    {"names": ["vserver"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22},
    {"names": ["getpmsg"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]}},
    {"names": ["putpmsg"], "action": "SCMP_ACT_ERRNO", "errno": "EPERM", "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_CHROOT"]}},
    {"names": ["create_module"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["get_kernel_syms"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm", "arm64"]}},
    {"names": ["_sysctl"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
    {"names": ["_sysctl"], "action": "SCMP_ACT_ERRNO", "errno": "ENOTDIR", "includes": {"minKernel": "99.0"}},
    {"names": ["get_kernel_syms"], "action": "SCMP_ACT_ERRNO", "errno": "EINVAL",
     "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]},
    {"names": ["afs_syscall"], "action": "SCMP_ACT_ERRNO", "errno": "EIO",
     "args": [{"index": 1, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["no_such_syscall"], "action": "SCMP_ACT_ALLOW"}
  ] + .syscalls' "$UPSTREAM" >"$T/custom.json"
i=0
for caps in "" "--cap-add SYS_ADMIN --cap-add BPF" "--cap-drop SYS_CHROOT"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	config_of "custom$i" --security-opt "seccomp=$T/custom.json" $caps
	cfg=$T/custom$i.json
	compare "custom profile (errno names, archMap, conditions) ${caps:-default caps}" "$T/custom.json" "$cfg"
done
rw_run "$RW_BIN" seccomp resolve "$T/custom.json"
rw_assert_contains "$RW_ERR" "[seccomp.min-kernel-ignored]" "minKernel, ignored like podman does, is named in a warning"
rw_assert_contains "$RW_ERR" "[seccomp.errno-ret-shadowed]" "errnoRet shadowed by errno is named in a warning"

# seccomp=unconfined: podman writes no section at all (what the stage treats as unconfined).
config_of unconfined --security-opt seccomp=unconfined
cfg=$T/unconfined.json
rw_assert_eq null "$(jq -c .linux.seccomp "$cfg")" "seccomp=unconfined: podman writes no linux.seccomp"

rw_finish
