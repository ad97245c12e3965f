#!/bin/bash
# containerd (own root, state, socket and config; CRI disabled) running containers through
# the runwarden shims with `ctr run --runc-binary`, for runc and crun: run, run -d, task
# exec, pause/resume, kill, delete, a --rootfs container (absolute root.path), and refusals
# that containerd reports from the runtime's --log file.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require containerd ctr containerd-shim-runc-v2 jq
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"
# containerd hands its environment (RUNWARDEN_CONFIG) to the shims, so write it first.
rw_write_config "$T/runwarden.json"
rw_containerd_start "$T/containerd"
IMG=docker.io/library/rwtest:latest
rw_ctr_import_image "$IMG"
rw_ctr_rootfs "$T/rootfs"

task_status() {
	rw_run rw_ctr task ls
	printf '%s\n' "$RW_OUT" | awk -v id="$1" '$1 == id {print $3}'
}

for rt in runc crun; do
	shim=$RW_SHIMS/$rt
	id=ctd-$rt-$$

	# run, compared with the real runtime as the shim's binary
	rw_run rw_ctr run --rm --runc-binary "/usr/bin/$rt" "$IMG" "$id" sh -c 'echo hi; exit 3'
	d_rc=$RW_RC d_out=$RW_OUT
	rw_run rw_ctr run --rm --runc-binary "$shim" "$IMG" "$id" sh -c 'echo hi; exit 3'
	rw_assert_eq "$d_rc/$d_out" "$RW_RC/$RW_OUT" "$rt ctr run: same exit code and output as $rt"
	rw_assert_eq "3/hi" "$RW_RC/$RW_OUT" "$rt ctr run: the container's exit code and output"

	# run -d, task exec, pause/resume, kill, delete
	rw_assert_ok "$rt ctr run -d" rw_ctr run -d --runc-binary "$shim" "$IMG" "$id" sleep 1000
	rw_assert_eq RUNNING "$(task_status "$id")" "$rt ctr run -d: running"
	rw_run rw_ctr task exec --exec-id e1 "$id" echo exec-out
	rw_assert_eq "0/exec-out" "$RW_RC/$RW_OUT" "$rt ctr task exec: output"
	rw_run rw_ctr task exec --exec-id e2 "$id" sh -c 'exit 5'
	rw_assert_rc 5 "$rt ctr task exec: exit code"
	rw_run rw_ctr task exec --exec-id e3 --user 65534 "$id" id -u
	rw_assert_eq "0/65534" "$RW_RC/$RW_OUT" "$rt ctr task exec --user"
	rw_assert_ok "$rt ctr task pause" rw_ctr task pause "$id"
	rw_assert_eq PAUSED "$(task_status "$id")" "$rt ctr task pause: paused"
	rw_assert_ok "$rt ctr task resume" rw_ctr task resume "$id"
	rw_assert_eq RUNNING "$(task_status "$id")" "$rt ctr task resume: running"
	rw_run rw_ctr task ps "$id"
	rw_assert_rc 0 "$rt ctr task ps"
	rw_assert_ok "$rt ctr task kill" rw_ctr task kill -s SIGKILL "$id"
	rw_wait_for 10 sh -c "$RW_EXE_rw_ctr task ls | grep -q '^$id .*STOPPED'" || true
	rw_assert_eq STOPPED "$(task_status "$id")" "$rt ctr task kill: stopped"
	rw_assert_ok "$rt ctr task delete" rw_ctr task delete "$id"
	rw_assert_ok "$rt ctr container delete" rw_ctr container delete "$id"
	rw_run rw_ctr container ls -q
	rw_assert_eq "" "$RW_OUT" "$rt: nothing left in containerd"

	# --rootfs: root.path is an absolute path, allowed under the test's directory
	rw_run rw_ctr run --rm --runc-binary "$shim" --rootfs "$T/rootfs" "$id" /bin/echo rootfs-ok
	rw_assert_eq "0/rootfs-ok" "$RW_RC/$RW_OUT" "$rt ctr run --rootfs (allowed prefix)"

	# A dangerous annotation is refused; containerd shows runwarden's line from the log.
	rw_run rw_ctr run --rm --runc-binary "$shim" --annotation run.oci.seccomp_bpf_data=AAAA \
		"$IMG" "$id" /bin/true
	rw_assert_ne 0 "$RW_RC" "$rt refused annotation: ctr run fails"
	rw_assert_contains "$RW_ERR" "runwarden: refused: " "$rt refused annotation: ctr shows the refusal"
	rw_assert_contains "$RW_ERR" "run.oci.seccomp_bpf_data" "$rt refused annotation: names the field"
	rw_assert_eq "" "$(task_status "$id")" "$rt refused annotation: no task"
	rw_ctr container delete "$id" >/dev/null 2>&1 || true
done

# Policy is read on every call: outside the allowed prefixes, the same --rootfs is refused.
rw_write_config "$RUNWARDEN_CONFIG" '{"bundle":{"absoluteRootPrefixes":["/var/lib/containerd"]}}'
rw_run rw_ctr run --rm --runc-binary "$RW_SHIMS/runc" --rootfs "$T/rootfs" "ctd-prefix-$$" /bin/true
rw_assert_ne 0 "$RW_RC" "--rootfs outside absoluteRootPrefixes: refused"
rw_assert_contains "$RW_ERR" "runwarden: refused: rule bundle.root-path-prefix" \
	"--rootfs outside absoluteRootPrefixes: names the rule"
rw_ctr container delete "ctd-prefix-$$" >/dev/null 2>&1 || true

rw_finish
