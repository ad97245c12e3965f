# shellcheck shell=bash
# Shared helpers for runwarden's integration tests. Source it first thing:
#
#     . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#     rw_require podman jq          # exits 77 (CTest "skipped") with a reason
#     rw_host_prepare               # root check + cgroup fix-ups the runtimes need
#     rw_tmpdir T                   # T=/tmp/rw-<test>.XXXX, removed on exit
#     ...
#     rw_finish                     # prints "N passed, N failed"; exit 1 on any failure
#
# Environment (set by CTest; defaults work from a build dir named in RW_BUILD_DIR):
#   RW_BIN        the runwarden binary            RW_SRC   the source tree
#   RW_BUILD_DIR  the build tree (probes live in $RW_BUILD_DIR/tests/probes)
#   RW_TIMEOUT    seconds rw_run allows one command (default 120)
#   RW_VERBOSE=1  echo every rw_run command line
#
# Conventions: everything a test creates lives under its own mktemp directory, so tests can
# run at the same time as other tests. Engines (podman, containerd) get their own roots,
# sockets and config files and never touch the host's. Every helper fails loudly: a helper
# that cannot do its job ends the test with a failure (or a skip, for missing tools).
#
# Index (each function is documented where it is defined):
#   results     rw_pass rw_fail rw_check rw_assert_eq rw_assert_ne rw_assert_contains
#               rw_assert_not_contains rw_assert_match rw_assert_rc rw_assert_ok
#               rw_assert_fails rw_assert_refused rw_finish rw_skip rw_die rw_require
#               rw_require_probe
#   lifecycle   rw_on_exit rw_tmpdir rw_umount_under rw_rm_tree
#   commands    rw_run (sets RW_RC RW_OUT RW_ERR) rw_run_in rw_wait_for rw_tree_digest
#               rw_dir_is_empty
#   host        rw_host_prepare
#   runwarden   rw_make_shims rw_default_config rw_write_config rw_write_config_raw
#               rw_write_shipped_config
#   bundles     rw_make_rootfs rw_make_bundle rw_bundle_jq rw_json_array rw_rootfs_tar
#               rw_oci_image_tar
#   podman      rw_podman_env rw_podman_use_runtime rw_podman rw_podman_teardown
#               rw_podman_import_image
#   containerd  rw_containerd_start rw_ctr rw_containerd_stop rw_ctr_rootfs
#               rw_ctr_import_image
# Probes (tests/probes, static, in every rw_make_rootfs under /bin): probe_syscall,
# probe_socket, probe_connect, probe_fs, probe_listenfds (usage at the top of each .c).

set -euo pipefail
set -o errtrace
shopt -s inherit_errexit 2>/dev/null || true

RW_SRC=${RW_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RW_BUILD_DIR=${RW_BUILD_DIR:-$(dirname "${RW_BIN:-/nonexistent/runwarden}")}
RW_BIN=${RW_BIN:-$RW_BUILD_DIR/runwarden}
RW_TIMEOUT=${RW_TIMEOUT:-120}
RW_TEST_NAME=${RW_TEST_NAME:-$(basename "${0%.sh}")}
export RW_SRC RW_BUILD_DIR RW_BIN

# A real python3 (a pyenv shim, if first in PATH, costs a second per start).
RW_PYTHON=${RW_PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || echo python3)}

# Real runtimes as the config maps them (Debian: /usr/bin/runc is a link to /usr/sbin/runc).
RW_REAL_RUNC=${RW_REAL_RUNC:-/usr/bin/runc}
RW_REAL_CRUN=${RW_REAL_CRUN:-/usr/bin/crun}

RW_PASSED=0
RW_FAILED=0
RW_FINISHED=0
RW_CLEANUPS=()

# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------

# rw_pass MSG: counts one passed check and prints "ok - MSG".
rw_pass() {
	RW_PASSED=$((RW_PASSED + 1))
	printf 'ok - %s\n' "$*"
}

# rw_fail MSG [DETAIL...]: counts one failed check; prints "FAIL - MSG" and each DETAIL
# (indented) so the CTest log shows what was seen. Does not stop the test.
rw_fail() {
	RW_FAILED=$((RW_FAILED + 1))
	printf 'FAIL - %s\n' "$1"
	shift
	local d
	for d in "$@"; do
		printf '%s\n' "$d" | sed 's/^/    | /'
	done
}

# rw_check COND_RC MSG [DETAIL...]: pass when COND_RC is 0, else fail with DETAILs.
# Lets a test write `rw_check "$(some_test; echo $?)" "what"` or `cmd; rw_check $? "what"`.
rw_check() {
	local rc=$1
	shift
	if [ "$rc" -eq 0 ]; then rw_pass "$1"; else rw_fail "$@"; fi
}

# rw_assert_eq EXPECTED ACTUAL MSG: exact string equality.
rw_assert_eq() {
	if [ "$1" == "$2" ]; then
		rw_pass "$3"
	else
		rw_fail "$3" "expected: $1" "actual:   $2"
	fi
}

# rw_assert_ne UNEXPECTED ACTUAL MSG: strings differ.
rw_assert_ne() {
	if [ "$1" != "$2" ]; then
		rw_pass "$3"
	else
		rw_fail "$3" "both are: $1"
	fi
}

# rw_assert_contains HAYSTACK NEEDLE MSG: NEEDLE is a fixed substring of HAYSTACK.
rw_assert_contains() {
	if [[ "$1" == *"$2"* ]]; then
		rw_pass "$3"
	else
		rw_fail "$3" "missing: $2" "in: $1"
	fi
}

# rw_assert_not_contains HAYSTACK NEEDLE MSG: NEEDLE (fixed, case-insensitive) is absent.
rw_assert_not_contains() {
	local h=${1,,} n=${2,,}
	if [[ "$h" != *"$n"* ]]; then
		rw_pass "$3"
	else
		rw_fail "$3" "unexpected: $2" "in: $1"
	fi
}

# rw_assert_match HAYSTACK ERE MSG: HAYSTACK matches the extended regex ERE (bash =~).
rw_assert_match() {
	if [[ "$1" =~ $2 ]]; then
		rw_pass "$3"
	else
		rw_fail "$3" "regex: $2" "text:  $1"
	fi
}

# rw_assert_rc EXPECTED MSG: the last rw_run exited with EXPECTED.
rw_assert_rc() {
	if [ "$RW_RC" -eq "$1" ]; then
		rw_pass "$2"
	else
		rw_fail "$2" "expected exit $1, got $RW_RC" "cmd: $RW_CMD" "stdout: $RW_OUT" \
			"stderr: $RW_ERR"
	fi
}

# rw_assert_ok MSG CMD...: runs CMD through rw_run and expects exit 0.
rw_assert_ok() {
	local msg=$1
	shift
	rw_run "$@"
	rw_assert_rc 0 "$msg"
}

# rw_assert_fails MSG CMD...: runs CMD through rw_run and expects a non-zero exit that is
# not a crash (a signal or a timeout counts as a failure of the check).
rw_assert_fails() {
	local msg=$1
	shift
	rw_run "$@"
	if [ "$RW_RC" -ne 0 ] && [ "$RW_RC" -lt 124 ]; then
		rw_pass "$msg"
	else
		rw_fail "$msg" "expected a clean non-zero exit, got $RW_RC" "cmd: $RW_CMD" \
			"stdout: $RW_OUT" "stderr: $RW_ERR"
	fi
}

# rw_assert_refused MSG: the last rw_run is a runwarden refusal as the product promises:
# non-zero exit without a crash or timeout, stderr is exactly ONE line that starts with
# "runwarden: refused:", and it avoids the phrases podman maps to exit 126/127.
rw_assert_refused() {
	local msg=$1 nlines=0 bad=() nl=${RW_ERR//[!$'\n']/}
	[ -z "$RW_ERR" ] || nlines=$((${#nl} + 1))
	[ "$RW_RC" -ne 0 ] || bad+=("exit status is 0")
	[ "$RW_RC" -lt 124 ] || bad+=("exit status $RW_RC (crash or timeout)")
	[ "$nlines" -eq 1 ] || bad+=("stderr has $nlines lines, expected 1")
	[[ "$RW_ERR" == "runwarden: refused:"* ]] || bad+=("stderr does not start with 'runwarden: refused:'")
	local p lc=${RW_ERR,,}
	for p in "permission denied" "not found" "no such file"; do
		[[ "$lc" != *"$p"* ]] || bad+=("stderr contains '$p'")
	done
	if [ ${#bad[@]} -eq 0 ]; then
		rw_pass "$msg"
	else
		rw_fail "$msg" "${bad[@]}" "cmd: $RW_CMD" "exit: $RW_RC" "stderr: $RW_ERR"
	fi
}

# rw_finish: prints the final "N passed, N failed" line and exits: 0 when something passed
# and nothing failed, 1 otherwise. Every test script ends with it.
rw_finish() {
	RW_FINISHED=1
	printf '%d passed, %d failed\n' "$RW_PASSED" "$RW_FAILED"
	if [ "$RW_FAILED" -ne 0 ] || [ "$RW_PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# rw_skip REASON: ends the test as skipped (exit 77) with a one-line reason.
rw_skip() {
	RW_FINISHED=1
	printf 'SKIP: %s: %s\n' "$RW_TEST_NAME" "$*"
	exit 77
}

# rw_die MSG: ends the test as failed right away (setup that cannot continue).
rw_die() {
	rw_fail "$*"
	RW_FINISHED=1
	printf '%d passed, %d failed\n' "$RW_PASSED" "$RW_FAILED"
	exit 1
}

# rw_require CMD...: skips the test (exit 77) unless every CMD is an executable in PATH or
# an absolute path to one.
rw_require() {
	local c
	for c in "$@"; do
		if [[ "$c" == /* ]]; then
			[ -x "$c" ] || rw_skip "needs $c"
		else
			command -v "$c" >/dev/null 2>&1 || rw_skip "needs $c in PATH"
		fi
	done
}

# rw_require_probe NAME...: skips unless the static probe NAME was built.
rw_require_probe() {
	local p
	for p in "$@"; do
		[ -x "$RW_BUILD_DIR/tests/probes/$p" ] || rw_skip "probe $p was not built"
	done
}

# ---------------------------------------------------------------------------------------
# Cleanup registry and temporary directories
# ---------------------------------------------------------------------------------------

# rw_on_exit CMD: registers a shell command (a string, run with eval) to run when the test
# exits, however it exits. Commands run in reverse order of registration (last in, first
# out), so a daemon registered after its directory is stopped before the directory goes.
rw_on_exit() {
	RW_CLEANUPS+=("$1")
}

rw__exit_trap() {
	local rc=$? i
	set +e
	trap - ERR
	if [ "$RW_FINISHED" -eq 0 ]; then
		# The script died without rw_finish (set -e, a helper's rw_die...): a failure.
		RW_FAILED=$((RW_FAILED + 1))
		printf 'FAIL - %s aborted (exit %d)\n' "$RW_TEST_NAME" "$rc"
		printf '%d passed, %d failed\n' "$RW_PASSED" "$RW_FAILED"
		[ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || rc=1
	fi
	for ((i = ${#RW_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${RW_CLEANUPS[i]}" >/dev/null 2>&1 || true
	done
	exit "$rc"
}

rw__err_trap() {
	local rc=$?
	# Only report failures that set -e is about to turn into an abort.
	[[ $- == *e* ]] || return 0
	printf 'lib: command failed (exit %d) at %s:%s: %s\n' "$rc" "${BASH_SOURCE[1]:-?}" \
		"${BASH_LINENO[0]:-?}" "$BASH_COMMAND" >&2
}

trap rw__exit_trap EXIT
trap rw__err_trap ERR
trap 'exit 130' INT TERM

# rw_umount_under DIR: lazily unmounts every mount point at or below DIR (deepest first).
rw_umount_under() {
	local d m
	d=$(realpath -m "$1")
	findmnt -rn -o TARGET | awk -v d="$d" '$0 == d || index($0, d "/") == 1' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# rw_rm_tree DIR: removes DIR after unmounting what is mounted below it; never crosses
# into another file system.
rw_rm_tree() {
	[ -n "$1" ] && [ "$1" != / ] || return 0
	rw_umount_under "$1"
	rm -rf --one-file-system "$1" 2>/dev/null || rm -rf "$1" 2>/dev/null || true
}

# rw_tmpdir [VAR]: creates a fresh directory /tmp/rw-<test>.XXXXXX, registers its removal
# and stores its path in VAR (default RW_TMP); the first call also sets RW_TMP, the test's
# own directory. Call it in the main shell, not in $( ).
# The directory is mode 0755 so container processes (any uid) can traverse it.
rw_tmpdir() {
	local __var=${1:-RW_TMP} __d
	__d=$(mktemp -d "${TMPDIR:-/tmp}/rw-${RW_TEST_NAME}.XXXXXX")
	chmod 0755 "$__d"
	rw_on_exit "rw_rm_tree '$__d'"
	printf -v "$__var" '%s' "$__d"
	# The first one is the test's own directory (rw_default_config allows root paths in it).
	[ -n "${RW_TMP:-}" ] || RW_TMP=$__d
}

# ---------------------------------------------------------------------------------------
# Running commands
# ---------------------------------------------------------------------------------------

# rw_run CMD...: runs CMD with stdin from /dev/null under `timeout RW_TIMEOUT`, without
# tripping set -e, and sets RW_RC (exit status; 124 = timed out), RW_OUT, RW_ERR (stdout,
# stderr, trailing newlines stripped) and RW_CMD. Output goes through files, not pipes, so
# a container that keeps the stdio open cannot make the test hang.
# CMD may be a shell function: when a variable RW_EXE_<function> names an executable that
# does the same (rw_podman and rw_ctr register theirs), that runs under timeout; any other
# function runs in this shell without a time limit. Not re-entrant: a function run through
# rw_run must not itself call rw_run.
rw_run() {
	local v
	if [ -z "${RW__RUN_DIR:-}" ]; then
		RW__RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rw-run.XXXXXX")
		rw_on_exit "rm -rf '$RW__RUN_DIR'"
	fi
	RW_CMD="$*"
	[ "${RW_VERBOSE:-0}" != 1 ] || printf '+ %s\n' "$RW_CMD" >&2
	if declare -F "$1" >/dev/null; then
		v="RW_EXE_$1"
		if [ -n "${!v:-}" ]; then
			set -- "${!v}" "${@:2}"
		fi
	fi
	set +e
	if declare -F "$1" >/dev/null; then
		"$@" </dev/null >"$RW__RUN_DIR/out" 2>"$RW__RUN_DIR/err"
	else
		timeout -k 5 "$RW_TIMEOUT" "$@" </dev/null >"$RW__RUN_DIR/out" 2>"$RW__RUN_DIR/err"
	fi
	RW_RC=$?
	set -e
	# read, not $(cat): no fork per call (tests make hundreds of calls).
	IFS= read -r -d '' RW_OUT <"$RW__RUN_DIR/out" || true
	IFS= read -r -d '' RW_ERR <"$RW__RUN_DIR/err" || true
	while [[ "$RW_OUT" == *$'\n' ]]; do RW_OUT=${RW_OUT%$'\n'}; done
	while [[ "$RW_ERR" == *$'\n' ]]; do RW_ERR=${RW_ERR%$'\n'}; done
	return 0
}

# rw_run_in DIR CMD...: rw_run with DIR as the working directory.
rw_run_in() {
	local d=$1
	shift
	local here=$PWD
	cd "$d"
	rw_run "$@"
	cd "$here"
}

# rw_wait_for SECONDS CMD...: polls CMD (silently) every 0.1 s until it succeeds; returns 1
# when SECONDS pass first.
rw_wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# rw_tree_digest DIR: prints one SHA-256 over DIR's tree as GNU tar sees it (sorted
# names, type, mode, numeric owner, size, mtime, link targets, and the content of regular
# files; FIFOs are recorded, never opened). Use it to prove a refused bundle is unchanged:
# any write, rename, chmod or new file changes the digest, reading does not.
rw_tree_digest() {
	local d
	d=$({ tar --sort=name --numeric-owner -C "$1" -cf - . 2>/dev/null || true; } | sha256sum)
	printf '%s\n' "${d%% *}"
}

# rw_dir_is_empty DIR: true when DIR does not exist or has no entries.
rw_dir_is_empty() {
	local f
	for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ ! -e "$f" ] && [ ! -L "$f" ] || return 1
	done
	return 0
}

# ---------------------------------------------------------------------------------------
# Host preparation
# ---------------------------------------------------------------------------------------

# rw_host_prepare: checks we are root and the binary exists, and makes the host usable by
# the runtimes: on a hybrid cgroup v1 host (cgroup2 at /sys/fs/cgroup/unified) crun needs
# the hugetlb v1 hierarchy mounted. Idempotent; safe when other tests run at the same time.
rw_host_prepare() {
	[ "$(id -u)" -eq 0 ] || rw_skip "needs root"
	[ -x "$RW_BIN" ] || rw_die "RW_BIN=$RW_BIN is not an executable (build first)"
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] &&
		mountpoint -q /sys/fs/cgroup/unified 2>/dev/null &&
		grep -qw hugetlb /proc/cgroups; then
		mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null || true
		mountpoint -q /sys/fs/cgroup/hugetlb ||
			mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null ||
			mountpoint -q /sys/fs/cgroup/hugetlb ||
			rw_die "cannot mount the hugetlb cgroup v1 hierarchy that crun needs"
	fi
}

# ---------------------------------------------------------------------------------------
# runwarden: shims and config
# ---------------------------------------------------------------------------------------

# rw_make_shims DIR: creates DIR/runc and DIR/crun, symlinks to $RW_BIN (the way the
# package installs them); sets RW_SHIMS=DIR.
rw_make_shims() {
	mkdir -p "$1"
	ln -sfn "$RW_BIN" "$1/runc"
	ln -sfn "$RW_BIN" "$1/crun"
	RW_SHIMS=$1
}

# rw_default_config: prints the test's base runwarden.json (the audit log and sealing key
# under $RW_TMP, never the host's): enforce mode, runc and crun
# mapped to the real runtimes, default runtime crun, dangerous annotations refused, fail
# closed, absolute root paths allowed only under the test's own directory $RW_TMP (where
# the test's podman/containerd roots live) plus $RW_EXTRA_ROOT_PREFIXES (space separated).
rw_default_config() {
	local prefixes=() p
	[ -z "${RW_TMP:-}" ] || prefixes+=("$RW_TMP")
	for p in ${RW_EXTRA_ROOT_PREFIXES:-}; do prefixes+=("$p"); done
	jq -n --arg runc "$RW_REAL_RUNC" --arg crun "$RW_REAL_CRUN" \
		--args '{
		mode: "enforce",
		runtimes: {runc: $runc, crun: $crun},
		defaultRuntime: "crun",
		bundle: {maxConfigSize: 16777216, allowAbsoluteRootPath: true,
		         absoluteRootPrefixes: $ARGS.positional},
		annotations: {dangerous: "refuse"},
		failOpen: false
	} + (if $tmp == "" then {} else
		{audit: {log: ($tmp + "/host-audit/audit.jsonl"), sealKey: ($tmp + "/host-audit-key/seal.key")}}
	end)' --arg tmp "${RW_TMP:-}" "${prefixes[@]}"
}

# rw_write_config FILE [JSON]: writes a runwarden.json for the test to FILE (absolute
# path, root-owned, mode 0600, as runwarden demands of RUNWARDEN_CONFIG) and exports
# RUNWARDEN_CONFIG=FILE. JSON, when given, is deep-merged over rw_default_config (jq `*`),
# so a test states only what it changes, e.g.
#     rw_write_config "$T/strip.json" '{"annotations":{"dangerous":"strip"}}'
# Use rw_write_config_raw for a config that must be exactly some text.
rw_write_config() {
	local file=$1 patch=${2:-'{}'} merged
	merged=$(jq -n --argjson base "$(rw_default_config)" --argjson patch "$patch" \
		'$base * $patch') || rw_die "rw_write_config: invalid JSON patch: $patch"
	rw_write_config_raw "$file" "$merged"
}

# rw_write_config_raw FILE TEXT: writes TEXT verbatim (0600, root) and exports
# RUNWARDEN_CONFIG=FILE.
rw_write_config_raw() {
	[[ "$1" == /* ]] || rw_die "rw_write_config: $1 must be an absolute path"
	mkdir -p "$(dirname "$1")"
	(
		umask 077
		printf '%s\n' "$2" >"$1.tmp"
	)
	chmod 0600 "$1.tmp"
	mv -f "$1.tmp" "$1"
	export RUNWARDEN_CONFIG=$1
}

# ---------------------------------------------------------------------------------------
# Root file systems and bundles
# ---------------------------------------------------------------------------------------

# rw_make_rootfs DIR: a minimal rootfs: busybox-static at /bin/busybox with a link for
# every applet in /bin (sh, true, echo, sleep, cat, nc...), every built probe in /bin
# (probe_syscall, probe_fs...), /etc/passwd, /etc/group, /etc/hostname and empty /proc,
# /sys, /dev, /tmp (1777), /run, /root. The first call builds a template (once per test);
# later calls copy it, so DIR is always a private copy a test may change.
rw_make_rootfs() {
	local r=$1
	if [ -z "${RW__ROOTFS_TEMPLATE:-}" ] || [ ! -d "$RW__ROOTFS_TEMPLATE" ]; then
		RW__ROOTFS_TEMPLATE=$(mktemp -d "${TMPDIR:-/tmp}/rw-rootfs.XXXXXX")
		rw_on_exit "rm -rf '$RW__ROOTFS_TEMPLATE'"
		rw__build_rootfs "$RW__ROOTFS_TEMPLATE"
	fi
	mkdir -p "$r"
	cp -a "$RW__ROOTFS_TEMPLATE/." "$r/"
}

rw__build_rootfs() {
	local r=$1 a p
	local bb=${RW_BUSYBOX:-/bin/busybox}
	[ -x "$bb" ] || rw_skip "needs busybox-static ($bb)"
	chmod 0755 "$r"
	mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,var/tmp,usr/bin,usr/sbin,home}
	chmod 1777 "$r/tmp" "$r/var/tmp"
	cp "$bb" "$r/bin/busybox"
	# One process for ~270 links (a fork per `ln` is slow on a busy machine).
	"$bb" --list | "$RW_PYTHON" -c '
import os, sys
d = sys.argv[1]
for a in sys.stdin.read().split():
    p = os.path.join(d, a)
    if a != "busybox" and not os.path.lexists(p):
        os.symlink("busybox", p)' "$r/bin" 2>/dev/null ||
		for a in $("$bb" --list); do
			[ "$a" = busybox ] || [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
		done
	# Debian's busybox lacks printenv.
	[ -e "$r/bin/printenv" ] ||
		printf '#!/bin/sh\nif [ $# -eq 0 ]; then exec env; fi\nfor v; do eval "[ -n \\"\\${$v+x}\\" ]" || exit 1; eval "echo \\"\\${$v}\\""; done\n' >"$r/bin/printenv"
	chmod 0755 "$r/bin/printenv"
	for p in "$RW_BUILD_DIR"/tests/probes/probe_*; do
		[ -f "$p" ] && [ -x "$p" ] && cp "$p" "$r/bin/"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	printf 'rwtest\n' >"$r/etc/hostname"
	: >"$r/etc/resolv.conf"
	: >"$r/etc/hosts"
}

# rw_make_bundle DIR [ARG...]: an OCI bundle in DIR: `runc spec` defaults with
# process.terminal=false, a writable rootfs (root.readonly=false) built by rw_make_rootfs in
# DIR/rootfs, and process.args set to ARG... (default: /bin/true).
rw_make_bundle() {
	local b=$1
	shift
	[ $# -gt 0 ] || set -- /bin/true
	mkdir -p "$b"
	rw_make_rootfs "$b/rootfs"
	rm -f "$b/config.json"
	(cd "$b" && "$RW_REAL_RUNC" spec) || rw_die "runc spec failed in $b"
	rw_bundle_jq "$b" '.process.terminal = false | .root.readonly = false |
		.process.args = $args' --argjson args "$(rw_json_array "$@")"
}

# rw_bundle_jq DIR FILTER [JQ-ARGS...]: edits DIR/config.json in place with jq, e.g.
#     rw_bundle_jq "$B" '.annotations["x"] = $v' --arg v 1
# JQ-ARGS go before FILTER's positional args, so `--args A B` works as the last options.
rw_bundle_jq() {
	local b=$1 f=$2
	shift 2
	local t
	t=$(mktemp "$b/.config.XXXXXX")
	# jq reads options after the filter too; --args makes the rest positional.
	jq "$f" "$b/config.json" "$@" >"$t" ||
		{
			rm -f "$t"
			rw_die "rw_bundle_jq: jq failed on $b/config.json: $f"
		}
	chmod 0644 "$t"
	mv -f "$t" "$b/config.json"
}

# rw_json_array ARG...: prints the ARGs as a JSON array of strings (any bytes jq accepts;
# unlike jq --args, arguments that look like options stay arguments).
rw_json_array() {
	local a out='[]'
	for a in "$@"; do
		out=$(jq -cn --argjson l "$out" --arg a "$a" '$l + [$a]')
	done
	printf '%s\n' "$out"
}

# rw_rootfs_tar ROOTFS TAR: packs ROOTFS into TAR (numeric owners), e.g. for podman import.
rw_rootfs_tar() {
	tar -C "$1" --numeric-owner -cf "$2" .
}

# ---------------------------------------------------------------------------------------
# podman, isolated
# ---------------------------------------------------------------------------------------

# rw_podman_env DIR: an isolated podman under DIR, sharing nothing with the host's:
#   DIR/root, DIR/runroot       --root / --runroot (storage and libpod state)
#   DIR/tmp                     tmp_dir (exit commands, file locks: lock_type="file")
#   DIR/containers.conf         CONTAINERS_CONF: cgroupfs, file events log, netns none,
#                               default_ulimits nofile/nproc capped (no CAP_SYS_RESOURCE here),
#                               k8s-file logs, its own network config dir and volume path
#   DIR/storage.conf            CONTAINERS_STORAGE_CONF (driver RW_PODMAN_DRIVER: vfs by
#                               default, overlay when asked)
#   DIR/registries.conf         CONTAINERS_REGISTRIES_CONF (no search registries)
#   DIR/policy.json             insecureAcceptAnything; RW_PODMAN_POLICY names it; pass it with
#                               `pull --signature-policy "$RW_PODMAN_POLICY"`, or overwrite it
# The OCI runtime defaults to the crun shim (rw_podman_use_runtime to change it). Needs
# RW_SHIMS (rw_make_shims) first.
# runwarden's config: podman gives conmon, and so the runtime's create and exec, only the
# variables in containers.conf conmon_env_vars. rw_podman_env puts the current
# RUNWARDEN_CONFIG there (writing a default one to DIR/runwarden.json when unset), so call
# rw_write_config before it, and change the policy later by rewriting that same file.
# podman calls kill/delete/pause/resume/state with no environment at all (no
# RUNWARDEN_CONFIG): those pass-through calls use /etc/runwarden/runwarden.json or the
# built-in defaults. podman calls the runtime without a --root, so the real
# runtime keeps its default state dir (/run/runc, /run/crun); container ids are unique.
rw_podman_env() {
	local d=$1
	rw_require podman conmon
	[ -n "${RW_SHIMS:-}" ] || rw_die "rw_podman_env: call rw_make_shims first"
	mkdir -p "$d"/{root,runroot,tmp,netconf,volumes}
	RW_PODMAN_DIR=$d
	[ -n "${RUNWARDEN_CONFIG:-}" ] || rw_write_config "$d/runwarden.json"
	RW_PODMAN_DRIVER=${RW_PODMAN_DRIVER:-vfs}
	cat >"$d/containers.conf" <<EOF
[containers]
netns = "none"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"
cgroups = "enabled"
pids_limit = 0

[network]
network_config_dir = "$d/netconf"

[engine]
# podman hands conmon (and so the runtime's create/exec) only these variables.
conmon_env_vars = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "RUNWARDEN_CONFIG=$RUNWARDEN_CONFIG"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$d/events.log"
tmp_dir = "$d/tmp"
lock_type = "file"
volume_path = "$d/volumes"
num_locks = 256
EOF
	cat >"$d/storage.conf" <<EOF
[storage]
driver = "$RW_PODMAN_DRIVER"
graphroot = "$d/root"
runroot = "$d/runroot"
EOF
	printf 'unqualified-search-registries = []\nshort-name-mode = "permissive"\n' \
		>"$d/registries.conf"
	printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$d/policy.json"
	export CONTAINERS_CONF=$d/containers.conf
	export CONTAINERS_STORAGE_CONF=$d/storage.conf
	export CONTAINERS_REGISTRIES_CONF=$d/registries.conf
	RW_PODMAN_POLICY=$d/policy.json
	export RW_PODMAN_RUNTIME=$RW_SHIMS/crun
	# An executable twin of rw_podman, so that rw_run can put it under timeout.
	cat >"$d/podman" <<EOF
#!/bin/sh
exec podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" \\
	--storage-driver "$RW_PODMAN_DRIVER" --cgroup-manager cgroupfs --events-backend file \\
	--runtime "\$RW_PODMAN_RUNTIME" "\$@"
EOF
	chmod 0755 "$d/podman"
	RW_EXE_rw_podman=$d/podman
	# Whatever the test leaves behind is removed before DIR is (LIFO order).
	rw_on_exit "rw_podman_teardown"
}

# rw_podman_use_runtime runc|crun|/abs/path: the runtime rw_podman passes with --runtime
# (a bare name means the runwarden shim of that name).
rw_podman_use_runtime() {
	if [[ "$1" == /* ]]; then RW_PODMAN_RUNTIME=$1; else RW_PODMAN_RUNTIME=$RW_SHIMS/$1; fi
	export RW_PODMAN_RUNTIME
}

# rw_podman ARGS...: podman against the isolated store of rw_podman_env, with
# --runtime $RW_PODMAN_RUNTIME. Runs in the foreground with the caller's fds (use rw_run
# rw_podman ... to capture). The same command is the executable $RW_PODMAN_DIR/podman, for
# use where a function cannot go (timeout, systemd-socket-activate, xargs).
rw_podman() {
	"$RW_PODMAN_DIR/podman" "$@"
}

# rw_podman_teardown: force-removes every container of the isolated podman (registered by
# rw_podman_env; tests may call it to start over).
rw_podman_teardown() {
	[ -n "${RW_PODMAN_DIR:-}" ] || return 0
	RW_TIMEOUT=60 rw_run rw_podman rm --all --force --time 0
	RW_TIMEOUT=60 rw_run rw_podman system prune --force
	return 0
}

# rw_podman_import_image NAME [CMD-JSON]: imports a rw_make_rootfs tree as image NAME with
# `podman import` (CMD defaults to ["/bin/sh"]).
rw_podman_import_image() {
	local name=$1 cmd=${2:-'["/bin/sh"]'} d
	d=$(mktemp -d "$RW_PODMAN_DIR/img.XXXXXX")
	rw_make_rootfs "$d/rootfs"
	rw_rootfs_tar "$d/rootfs" "$d/rootfs.tar"
	rw_run rw_podman import --change "CMD $cmd" "$d/rootfs.tar" "$name"
	[ "$RW_RC" -eq 0 ] || rw_die "podman import failed: $RW_ERR"
	rm -rf "$d"
}

# ---------------------------------------------------------------------------------------
# containerd, isolated
# ---------------------------------------------------------------------------------------

# rw_containerd_start DIR: starts a private containerd: root DIR/root, state DIR/state,
# socket DIR/containerd.sock, config DIR/config.toml (CRI plugin disabled), log
# DIR/containerd.log. Sets RW_CONTAINERD_SOCK and RW_CONTAINERD_PID; stopped (after its tasks
# and containers are removed) when the test exits. The daemon inherits the environment at
# this point, RUNWARDEN_CONFIG included, and passes it on to its shims and their runtime:
# write the config first.
rw_containerd_start() {
	local d=$1
	rw_require containerd ctr containerd-shim-runc-v2
	mkdir -p "$d"/{root,state,opt}
	RW_CONTAINERD_DIR=$d
	RW_CONTAINERD_SOCK=$d/containerd.sock
	RW_CONTAINERD_NS=rwtest
	# An executable twin of rw_ctr, so that rw_run can put it under timeout.
	printf '#!/bin/sh\nexec ctr --address "%s" --namespace "%s" "$@"\n' \
		"$RW_CONTAINERD_SOCK" "$RW_CONTAINERD_NS" >"$d/ctr"
	chmod 0755 "$d/ctr"
	RW_EXE_rw_ctr=$d/ctr
	cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$d/containerd.sock"

[ttrpc]
  address = "$d/containerd.sock.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOF
	containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
	RW_CONTAINERD_PID=$!
	rw_on_exit "rw_containerd_stop"
	if ! rw_wait_for 30 ctr --address "$RW_CONTAINERD_SOCK" version; then
		rw_die "containerd did not come up: $(tail -n 20 "$d/containerd.log")"
	fi
}

# rw_ctr ARGS...: ctr against the private containerd, in namespace $RW_CONTAINERD_NS
# (also the executable $RW_CONTAINERD_DIR/ctr).
rw_ctr() {
	ctr --address "$RW_CONTAINERD_SOCK" --namespace "$RW_CONTAINERD_NS" "$@"
}

# rw_containerd_stop: kills and deletes the private containerd's tasks and containers, then
# stops the daemon (registered by rw_containerd_start).
rw_containerd_stop() {
	[ -n "${RW_CONTAINERD_PID:-}" ] || return 0
	local id
	for id in $(rw_ctr task ls -q 2>/dev/null); do
		rw_ctr task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
		rw_ctr task delete -f "$id" >/dev/null 2>&1 || true
	done
	for id in $(rw_ctr container ls -q 2>/dev/null); do
		rw_ctr container delete "$id" >/dev/null 2>&1 || true
	done
	kill "$RW_CONTAINERD_PID" 2>/dev/null || true
	local i
	for i in $(seq 50); do
		kill -0 "$RW_CONTAINERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$RW_CONTAINERD_PID" 2>/dev/null || true
	wait "$RW_CONTAINERD_PID" 2>/dev/null || true
	RW_CONTAINERD_PID=
}

# rw_ctr_rootfs DIR: a rootfs for `rw_ctr run --rootfs DIR ...` (needs no image or
# snapshotter; root.path becomes DIR, an absolute path, so keep DIR under $RW_TMP where
# rw_default_config allows it).
rw_ctr_rootfs() {
	rw_make_rootfs "$1"
}

# rw_oci_image_tar ROOTFS TAR NAME [CMD-JSON]: writes an OCI image-layout tarball of ROOTFS
# (one uncompressed layer, linux/amd64, CMD default ["/bin/sh"], PATH set) whose index names
# the image NAME (annotation io.containerd.image.name), for `ctr image import` or skopeo.
rw_oci_image_tar() {
	local rootfs=$1 tar=$2 name=$3 cmd=${4:-'["/bin/sh"]'} d ldig lsize cdig csize mdig msize
	d=$(mktemp -d "${TMPDIR:-/tmp}/rw-oci.XXXXXX")
	mkdir -p "$d/blobs/sha256"
	rw_rootfs_tar "$rootfs" "$d/layer.tar"
	ldig=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
	lsize=$(stat -c %s "$d/layer.tar")
	mv "$d/layer.tar" "$d/blobs/sha256/$ldig"
	jq -cn --arg l "sha256:$ldig" --argjson cmd "$cmd" '{architecture: "amd64", os: "linux",
		config: {Cmd: $cmd, Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
		rootfs: {type: "layers", diff_ids: [$l]}}' >"$d/config.json"
	cdig=$(sha256sum "$d/config.json" | cut -d' ' -f1)
	csize=$(stat -c %s "$d/config.json")
	mv "$d/config.json" "$d/blobs/sha256/$cdig"
	jq -cn --arg c "sha256:$cdig" --argjson cs "$csize" --arg l "sha256:$ldig" \
		--argjson ls "$lsize" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' \
		>"$d/manifest.json"
	mdig=$(sha256sum "$d/manifest.json" | cut -d' ' -f1)
	msize=$(stat -c %s "$d/manifest.json")
	mv "$d/manifest.json" "$d/blobs/sha256/$mdig"
	jq -cn --arg m "sha256:$mdig" --argjson ms "$msize" --arg n "$name" '{schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m,
		size: $ms, platform: {architecture: "amd64", os: "linux"},
		annotations: {"io.containerd.image.name": $n,
		              "org.opencontainers.image.ref.name": ($n | sub(".*:"; ""))}}]}' \
		>"$d/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}\n' >"$d/oci-layout"
	tar -C "$d" -cf "$tar" oci-layout index.json blobs
	rm -rf "$d"
}

# rw_ctr_import_image NAME: imports a rw_make_rootfs tree as image NAME (e.g.
# docker.io/library/rwtest:latest) into the private containerd, unpacked for its default
# snapshotter, so that `rw_ctr run NAME ID ...` gives a bundle with a relative root.path.
rw_ctr_import_image() {
	local name=$1 d
	d=$(mktemp -d "$RW_CONTAINERD_DIR/img.XXXXXX")
	rw_make_rootfs "$d/rootfs"
	rw_oci_image_tar "$d/rootfs" "$d/image.tar" "$name"
	rw_run rw_ctr image import "$d/image.tar"
	[ "$RW_RC" -eq 0 ] || rw_die "ctr image import failed: $RW_ERR"
	rm -rf "$d"
}

# rw_write_shipped_config FILE [JSON]: like rw_write_config, but starting from the shipped
# $RW_SRC/conf/runwarden.json with every section as shipped; only its host paths move into
# the test's directory ($RW_TMP/host/var/..., $RW_TMP/host/run/runwarden/...), bpffs pins go
# to /sys/fs/bpf/rwt-<test>-<pid> (sets RW_SHIPPED_PIN; removed on exit, after
# `runwarden-bpf unload` when that helper was built), seccomp.profile points at the source
# tree's profiles/seccomp/default.json, and $RW_TMP joins bundle.absoluteRootPrefixes. JSON
# is deep-merged over the result. $RW_TMP/host/run is a tmpfs, as /run is. Use it to test
# "the default config" without touching /var.
rw_write_shipped_config() {
	local file=$1 patch=${2:-'{}'} base
	[ -n "${RW_TMP:-}" ] || rw_die "rw_write_shipped_config: call rw_tmpdir first"
	RW_SHIPPED_PIN=/sys/fs/bpf/rwt-${RW_TEST_NAME:0:40}-$$
	base=$(jq --arg t "$RW_TMP/host" --arg pin "$RW_SHIPPED_PIN" --arg tmp "$RW_TMP" \
		--arg prof "$RW_SRC/profiles/seccomp/default.json" '
		def redirect: walk(if type == "string" and (startswith("/var/") or startswith("/run/runwarden"))
			then $t + . elif type == "string" and startswith("/sys/fs/bpf/") then $pin else . end);
		with_entries(if (.key | IN("bundle", "runtimes")) then . else (.value |= redirect) end)
		| if .seccomp and (.seccomp.profile // null) == null then .seccomp.profile = $prof else . end
		| .bundle.absoluteRootPrefixes += [$tmp]' "$RW_SRC/conf/runwarden.json") ||
		rw_die "rw_write_shipped_config: cannot read $RW_SRC/conf/runwarden.json"
	rw_write_config_raw "$file" "$(jq -n --argjson b "$base" --argjson p "$patch" '$b * $p')"
	# /run is a tmpfs on every systemd host: so is its stand-in (runtime state there is not
	# meant to reach a disk, and benchmarks must not pay for one)
	mkdir -p "$RW_TMP/host/run"
	mountpoint -q "$RW_TMP/host/run" || mount -t tmpfs -o mode=0755,size=64m tmpfs "$RW_TMP/host/run" ||
		rw_die "rw_write_shipped_config: cannot mount a tmpfs on $RW_TMP/host/run"
	if [ -x "$RW_BUILD_DIR/runwarden-bpf" ]; then
		rw_on_exit "'$RW_BUILD_DIR/runwarden-bpf' unload --force --config '$file'; rm -rf '$RW_SHIPPED_PIN'"
	else
		rw_on_exit "rm -rf '$RW_SHIPPED_PIN'"
	fi
}
