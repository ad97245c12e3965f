#!/bin/bash
# mounts.conf secrets for every engine. With a mounts.conf (the test's own, named in
# runwarden.json) listing a file and a directory, a container that containerd starts
# (`ctr run`, runc and crun shims) sees them at their destinations, read-only; the copy is
# under the test's secrets directory while the container lives and gone after delete; the
# audit record names the files, never their content. podman, reading the same mounts.conf
# itself (containers.conf default_mounts_file), mounts its own copy, and runwarden does
# not mount a second one. `runwarden check` copies nothing.
RW_TEST_NAME=mounts-sec # podman refuses a runroot path longer than 50 characters
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require containerd ctr containerd-shim-runc-v2 jq
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"

cond() {
	if "$@" >/dev/null 2>&1; then echo 0; else echo 1; fi
}
not() { ! "$@"; }

SECRET_VALUE=s3cr3t-$$-value
mkdir -p "$T/host/dir/sub"
printf '%s\n' "$SECRET_VALUE" >"$T/host/token.txt"
printf 'alpha\n' >"$T/host/dir/a.txt"
printf 'gamma\n' >"$T/host/dir/sub/c.txt"
chmod 0600 "$T/host/token.txt"
cat >"$T/mounts.conf" <<EOF
# the test's mounts.conf: a file and a directory
$T/host/token.txt:/run/rw/token.txt
$T/host/dir:/run/secrets/rwdir
/nonexistent/source/is/skipped:/run/gone
EOF
SECRETS=$T/secrets
rw_write_config "$T/runwarden.json" "$(jq -n --arg t "$T" '{
	mounts: {mountsFile: ($t + "/mounts.conf"), secretsDir: ($t + "/secrets")},
	audit: {log: ($t + "/audit/audit.jsonl"), sealKey: ($t + "/audit/seal.key")}
}')"

rw_containerd_start "$T/containerd"
IMG=docker.io/library/rwtest:latest
rw_ctr_import_image "$IMG"

# What the container sees: the file, the tree, and whether writing is refused.
PROBE='cat /run/rw/token.txt; ls /run/secrets/rwdir /run/secrets/rwdir/sub;
if echo x >/run/rw/token.txt 2>/dev/null; then echo writable; else echo read-only; fi
if touch /run/secrets/rwdir/new 2>/dev/null; then echo dir-writable; else echo dir-read-only; fi
ls /run/gone 2>/dev/null || echo no-gone'

for rt in runc crun; do
	id=sec-$rt-$$
	rw_run rw_ctr run --rm --runc-binary "$RW_SHIMS/$rt" "$IMG" "$id" sh -c "$PROBE"
	rw_assert_rc 0 "$rt: ctr run with mounts.conf secrets"
	rw_assert_contains "$RW_OUT" "$SECRET_VALUE" "$rt: the file is at its destination"
	rw_assert_contains "$RW_OUT" "a.txt" "$rt: the directory is at its destination"
	rw_assert_contains "$RW_OUT" "c.txt" "$rt: with its subdirectories"
	rw_assert_contains "$RW_OUT" "read-only" "$rt: the file is read-only"
	rw_assert_contains "$RW_OUT" "dir-read-only" "$rt: the directory is read-only"
	rw_assert_contains "$RW_OUT" "no-gone" "$rt: a missing source is skipped"
	rw_check "$(cond not test -e "$SECRETS/$id")" "$rt: the copy is gone after ctr run --rm"

	# a long-running container: the copy exists while it runs, and goes with delete
	rw_run rw_ctr run -d --runc-binary "$RW_SHIMS/$rt" "$IMG" "$id" sleep 600
	rw_assert_rc 0 "$rt: ctr run -d"
	rw_check "$(cond test -f "$SECRETS/$id/run/rw/token.txt")" "$rt: the copy exists while it runs"
	rw_check "$(cond test -f "$SECRETS/$id/run/secrets/rwdir/sub/c.txt")" \
		"$rt: the directory copy exists while it runs"
	rw_assert_eq 600 "$(stat -c %a "$SECRETS/$id/run/rw/token.txt")" "$rt: the copy keeps the mode"
	rw_run rw_ctr task kill -s SIGKILL "$id"
	rw_wait_for 20 sh -c "$RW_EXE_rw_ctr task ls | grep -q '^$id .*STOPPED'" || true
	rw_assert_ok "$rt: ctr task delete" rw_ctr task delete "$id"
	rw_check "$(cond not test -e "$SECRETS/$id")" "$rt: the copy is gone after delete"
	rw_assert_ok "$rt: ctr container delete" rw_ctr container delete "$id"
done
rw_check "$(cond rw_dir_is_empty "$SECRETS")" "nothing is left in the secrets directory"

AUDIT=$(cat "$T/audit/audit.jsonl" 2>/dev/null || true)
rw_assert_contains "$AUDIT" "token.txt" "the audit record names the files"
rw_assert_not_contains "$AUDIT" "$SECRET_VALUE" "the audit record never holds their content"

# crun runs no poststop hook when its create fails (here: a bind source that is missing),
# so the copy stays behind; the next create removes it once it is a minute old and crun's
# state directory for it does not exist.
LB=$T/leak-bundle
rw_make_bundle "$LB" /bin/sleep 100
rw_bundle_jq "$LB" '.mounts += [{destination: "/x", type: "bind", source: "/nonexistent/rw-src", options: ["bind"]}]'
rw_run "$RW_SHIMS/crun" --root "$T/crun-root" create -b "$LB" "leak-$$"
rw_assert_rc 1 "crun: the create fails after runwarden made the copy"
rw_check "$(cond test -d "$SECRETS/leak-$$")" "crun: the failed create left its copy"
rw_assert_eq "$T/crun-root/leak-$$" "$(cat "$SECRETS/leak-$$/.runwarden-runtime-state")" \
	"the copy records crun's state directory for the container"
GB=$T/gc-bundle
rw_make_bundle "$GB" /bin/true
rw_run "$RW_SHIMS/crun" --root "$T/crun-root" run -b "$GB" "gc-young-$$"
rw_assert_rc 0 "crun: run while the leftover is young"
rw_check "$(cond test -d "$SECRETS/leak-$$")" "a copy younger than a minute is kept"
touch -d '-2 min' "$SECRETS/leak-$$"
rw_run "$RW_SHIMS/crun" --root "$T/crun-root" run -b "$GB" "gc-old-$$"
rw_assert_rc 0 "crun: run once the leftover is old"
rw_check "$(cond not test -e "$SECRETS/leak-$$")" "the next create removed the leftover copy"
rw_check "$(cond rw_dir_is_empty "$SECRETS")" "nothing is left in the secrets directory after gc"

# runwarden check: the mounts show in the diff, nothing is copied
B=$T/bundle
rw_make_bundle "$B" /bin/true
rw_run "$RW_BIN" check --bundle "$B"
rw_assert_rc 0 "check: allowed"
rw_assert_contains "$RW_OUT" "/run/secrets/rwdir" "check: the secrets mount is in the diff"
rw_check "$(cond rw_dir_is_empty "$SECRETS")" "check copies nothing"
rw_assert_not_contains "$RW_OUT" "$SECRET_VALUE" "check prints no content"

# podman reads the same mounts.conf itself: its copy is mounted once, runwarden adds none
if command -v podman >/dev/null 2>&1 && command -v conmon >/dev/null 2>&1; then
	rw_podman_env "$T/podman"
	sed -i "s|^\[containers\]$|[containers]\ndefault_mounts_file = \"$T/mounts.conf\"|" \
		"$RW_PODMAN_DIR/containers.conf"
	PIMG=localhost/rwtest:latest
	rw_podman_import_image "$PIMG"
	rw_run rw_podman run --name psec "$PIMG" sh -c \
		'cat /run/rw/token.txt; grep -c " /run/secrets/rwdir " /proc/self/mountinfo'
	rw_assert_rc 0 "podman: run with its own mounts.conf copy"
	rw_assert_contains "$RW_OUT" "$SECRET_VALUE" "podman: the file is there (podman's copy)"
	rw_assert_eq 1 "$(printf '%s\n' "$RW_OUT" | tail -n 1)" \
		"podman: /run/secrets/rwdir is mounted once"
	pid_=$("$RW_EXE_rw_podman" inspect -f '{{.Id}}' psec)
	rw_check "$(cond not test -e "$SECRETS/$pid_")" "podman: runwarden made no copy of its own"
	rw_run rw_podman rm -f psec
else
	rw_fail "podman part not run: podman or conmon is missing"
fi

rw_finish
