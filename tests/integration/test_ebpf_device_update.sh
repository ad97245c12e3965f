#!/bin/bash
# The device observer survives the runtime's own device-filter updates. On `podman update`
# or a kubelet resource update, runc and crun replace the device program of the container's
# cgroup v2 directory: with exactly one attached they replace it (BPF_F_REPLACE), else they
# attach the new one and detach every device program attached there. runwarden's cgroup/dev
# is therefore linked once at the cgroup v2 root (a BPF link: not listed on the container's
# cgroup, not detachable with BPF_PROG_DETACH). probe_devfilter does what the runtimes do,
# on the running container's cgroup, for runc and crun; a mknod inside the container
# afterwards is still recorded with the container's id. The observer only allows: a device
# the runtime refuses stays refused. `runwarden-bpf unload` takes the root link away.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
rw_require_probe probe_devfilter
T=$RW_TMP
rw_ebpf_config '{}'
DF=$RW_BUILD_DIR/tests/probes/probe_devfilter
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then MNT=/sys/fs/cgroup; else MNT=/sys/fs/cgroup/unified; fi

# (bpftool prints nothing at all when nothing is attached to a cgroup)
attached_to() { bpftool cgroup show "$1" -j | jq -c -s "[.[][] | select($2)]"; }
dev_id() { bpftool prog show pinned "$RW_EBPF_PIN/rw_dev" -j | jq .id; }
device_events() { rw_ebpf_events ".container == \"$1\" and .kind == \"device\" and .device == \"$2\""; }

for rt in crun runc; do
	if [ $rt = crun ]; then REAL=$RW_REAL_CRUN; else REAL=$RW_REAL_RUNC; fi
	ID=rwdu-$rt-$$
	B=$T/$rt
	rw_make_bundle "$B" /bin/sleep 300
	rw_bundle_jq "$B" '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	rw_run "$RW_SHIMS/$rt" --root "$T/$rt-root" run -d -b "$B" "$ID"
	rw_assert_rc 0 "$rt: a long-running container started"
	rw_on_exit "'$REAL' --root '$T/$rt-root' delete -f '$ID' 2>/dev/null || true"
	in_ctr() { rw_run "$REAL" --root "$T/$rt-root" exec --cap CAP_MKNOD "$ID" "$@"; }

	rec=$(rw_ebpf_records ebpf-attach ".container == \"$ID\"")
	rw_assert_eq "attached kernel" \
		"$(printf '%s' "$rec" | jq -r '"\(.outcome) \(.binding | split(":")[0])"')" \
		"$rt: the kernel bound the container to its cgroup (attach record)" "$rec"
	pid=$("$REAL" --root "$T/$rt-root" state "$ID" | jq .pid)
	CG=$MNT$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	rw_assert_eq "[]" "$(attached_to "$CG" '.name == "rw_dev"')" \
		"$rt: rw_dev is not attached to the container's cgroup $CG"
	rw_assert_eq 1 "$(attached_to "$MNT" ".id == $(dev_id)" | jq length)" \
		"$rt: rw_dev is linked at the cgroup v2 root, once"

	in_ctr /bin/mknod /tmp/before c 42 1
	rw_assert_rc 0 "$rt: mknod inside the container before the update"

	# The runtime's update: two device programs there (detach-all path), then one (replace).
	rw_assert_ok "$rt: a first allow-all device program on the container's cgroup" "$DF" attach "$CG"
	rw_assert_ok "$rt: a second one" "$DF" attach "$CG"
	# (on a pure cgroup v2 host the runtime's own device program is there too)
	rw_run "$DF" update "$CG"
	rw_assert_rc 0 "$rt: update with two or more device programs attached"
	rw_assert_match "$RW_OUT" "update listed=[23] mode=detach-all left=1" \
		"$rt: it attached its own and detached every listed one"
	removed=$RW_OUT
	rw_run "$DF" update "$CG"
	rw_assert_contains "$RW_OUT" "update listed=1 mode=replace left=1" "$rt: update with one: replaced"
	removed+=$'\n'$RW_OUT
	rw_assert_eq 0 "$(grep -c 'removed rw_' <<<"$removed" || true)" \
		"$rt: runwarden's device observer was never among the programs the updates removed" "$removed"
	rw_assert_eq 1 "$(attached_to "$MNT" ".id == $(dev_id)" | jq length)" \
		"$rt: after the updates rw_dev is still linked at the root"

	in_ctr /bin/mknod /tmp/after c 42 2
	rw_assert_rc 0 "$rt: mknod inside the container after the update"
	# Only observed: a block device the runtime's device rules refuse stays refused.
	in_ctr /bin/sh -c 'mknod /tmp/blk b 7 0 && exec cat /tmp/blk'
	rw_assert_contains "$RW_ERR" "Operation not permitted" \
		"$rt: reading a device the runtime does not allow is still refused"

	# A host process is seen by the same program and attributed to nothing (drained below).
	mknod "$T/host-$rt" c 42 3
	rw_run "$RW_SHIMS/$rt" --root "$T/$rt-root" delete -f "$ID"
	rw_assert_rc 0 "$rt: the container was removed (its events are drained below)"
	for d in "c 42:1" "c 42:2" "b 7:0"; do
		ev=$(device_events "$ID" "$d")
		rw_assert_ne "" "$ev" "$rt: the device access $d inside the container is recorded with its id"
	done
	ev=$(device_events "$ID" "c 42:2")
	rw_assert_eq "mknod" "$(printf '%s\n' "$ev" | head -1 | jq -r '.comm')" \
		"$rt: the event after the update names the process" "$ev"
	ev=$(device_events "$ID" "b 7:0" | jq -c 'select(.access | contains("r"))')
	rw_assert_eq "cat false" "$(printf '%s\n' "$ev" | head -1 | jq -r '"\(.comm) \(.refused)"')" \
		"$rt: the refused read is recorded (refused by the runtime, not by runwarden)" "$ev"
done

rw_assert_eq 0 "$(rw_ebpf_events '.device == "c 42:3"' | wc -l)" "a host mknod is recorded for no container"

DEV=$(dev_id)
rw_assert_ok "runwarden-bpf unload" "$RW_BPF_HELPER" unload --force --config "$RUNWARDEN_CONFIG"
gone() { [ "$(attached_to "$MNT" ".id == $DEV" | jq length)" = 0 ]; }
rw_wait_for 5 gone || true
rw_assert_eq 0 "$(attached_to "$MNT" ".id == $DEV" | jq length)" "unload takes rw_dev off the cgroup v2 root"

rw_finish
