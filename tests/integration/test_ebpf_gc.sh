#!/bin/bash
# A container whose poststop hook never ran (the runtime failed after createRuntime, or the
# hook was killed) is released by the next attach or by `runwarden-bpf gc`: one summary
# with its counters, no state or map entries left; a live container is left alone.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
T=$RW_TMP
rw_ebpf_config '{}'
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then MNT=/sys/fs/cgroup; else MNT=/sys/fs/cgroup/unified; fi

# start_in_cgroup NAME: a sleeping process alone in a new cgroup MNT/NAME; sets SPID.
start_in_cgroup() {
	mkdir "$MNT/$1"
	rw_on_exit "kill \$(cat '$MNT/$1/cgroup.procs' 2>/dev/null) 2>/dev/null; sleep 0.2; rmdir '$MNT/$1' 2>/dev/null || true"
	sh -c "echo \$\$ >'$MNT/$1/cgroup.procs' && exec sleep 300" &
	SPID=$!
	rw_wait_for 5 grep -qx "0::/$1" "/proc/$SPID/cgroup" || rw_die "could not start a process in $1"
}

start_in_cgroup "rwgc-dead-$$"
DEAD=$SPID
rw_assert_ok "attach to a first cgroup" "$RW_BPF_HELPER" attach --id "rwgc-dead-$$" --pid "$DEAD" --config "$RUNWARDEN_CONFIG"
start_in_cgroup "rwgc-live-$$"
LIVE=$SPID
rw_assert_ok "attach to a second cgroup" "$RW_BPF_HELPER" attach --id "rwgc-live-$$" --pid "$LIVE" --config "$RUNWARDEN_CONFIG"

# The first container dies without its poststop.
kill "$DEAD"
wait "$DEAD" 2>/dev/null || true
rw_wait_for 5 rmdir "$MNT/rwgc-dead-$$" || rw_die "could not remove the first cgroup"

rw_assert_ok "runwarden-bpf gc" "$RW_BPF_HELPER" gc --config "$RUNWARDEN_CONFIG"
rw_assert_eq "released 1 stale container(s)" "$RW_OUT" "gc releases exactly the container whose cgroup is gone"
sum=$(rw_ebpf_records ebpf-summary ".container == \"rwgc-dead-$$\"")
rw_assert_eq 1 "$(printf '%s\n' "$sum" | grep -c . || true)" "it gets one summary" "$sum"
rw_assert_contains "$(printf '%s' "$sum" | jq -r .events)" "without its poststop" "the summary says how it was released"
rw_assert_eq "rwgc-live-$$" "$("$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq -r '.containers[].id')" \
	"the live container is still tracked, the dead one is not"
rw_assert_eq 0 "$(rw_ebpf_records ebpf-summary ".container == \"rwgc-live-$$\"" | wc -l)" "the live container got no summary"

# A poststop for the released container finds nothing to do (no second summary).
rw_assert_ok "a late release is a no-op" "$RW_BPF_HELPER" release --id "rwgc-dead-$$" --config "$RUNWARDEN_CONFIG"
rw_assert_eq 1 "$(rw_ebpf_records ebpf-summary ".container == \"rwgc-dead-$$\"" | wc -l)" "still one summary"

# The live one is released by its poststop as usual, its attachments taken back from the
# cgroup that outlives it.
rw_assert_ok "release of the live container" "$RW_BPF_HELPER" release --id "rwgc-live-$$" --config "$RUNWARDEN_CONFIG"
rw_assert_eq 6 "$(rw_ebpf_records ebpf-summary ".container == \"rwgc-live-$$\"" | jq .detachedAtStop)" \
	"the six per-container programs were detached from the surviving cgroup (cgroup/dev is at the root)"
rw_assert_eq "" "$(bpftool cgroup show "$MNT/rwgc-live-$$" | grep rw_ || true)" "nothing of runwarden stays attached there"
rw_assert_eq 0 "$("$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq '.containers | length')" "nothing is tracked"

rw_finish
