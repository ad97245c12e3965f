#!/bin/bash
# How the kernel binds a container without a hook, for the ways a runtime can start it that
# runc and crun do not show on this host (probe_cgclone stands in for the runtime):
#  - clone3(CLONE_INTO_CGROUP): the process is born in its cgroup, nothing is moved (crun on
#    a pure cgroup v2 host): bound at fork;
#  - a double fork whose grandchild, reparented, moves itself (crun --detach): bound through
#    the lineage the kernel followed at each fork;
# each time with the container's exec counted and its end recorded. Never bound: a cgroup
# that is the runtime's own (or one of its ancestors: it would judge host processes), one
# already tracked for another container (an engine may keep a stopped container's cgroup
# and a new container may name it), nor a process that reuses the pid of a binding left
# before it started.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
rw_require_probe probe_cgclone
T=$RW_TMP
PROBE=$RW_BUILD_DIR/tests/probes/probe_cgclone
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then MNT=/sys/fs/cgroup; else MNT=/sys/fs/cgroup/unified; fi
rw_ebpf_config '{}'
CONF=$RUNWARDEN_CONFIG
rw_write_config_raw "$T/probe.json" "$(jq --arg p "$PROBE" '.runtimes.crun = $p' "$CONF")"
export RUNWARDEN_CONFIG=$CONF
B=$T/b
rw_make_bundle "$B" /bin/true
cp "$B/config.json" "$T/config.orig"

# start MODE ID: runwarden (crun shim) execs probe_cgclone in MODE; sets CG to the cgroup id.
start() {
	cp "$T/config.orig" "$B/config.json"
	rw_on_exit "rmdir '$MNT/$2' 2>/dev/null || true"
	rw_run env RUNWARDEN_CONFIG="$T/probe.json" RW_PROBE_MODE="$1" RW_PROBE_CGROUP="$MNT/$2" \
		"$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "$2"
	CG=$(printf '%s\n' "$RW_OUT" | sed -n 's/^cgroup \([0-9]*\)$/\1/p')
}

for mode in clone3 detach; do
	ID=rwbind-$mode-$$
	start "$mode" "$ID"
	rw_assert_rc 0 "$mode: the stand-in runtime ran the container"
	rw_assert_contains "$RW_OUT" "child exit 0" "$mode: the container process exited 0"
	rec=$(rw_ebpf_records ebpf-attach ".container == \"$ID\"")
	rw_assert_eq "attached $CG" "$(printf '%s' "$rec" | jq -r '"\(.outcome) \(.cgroupId)"')" \
		"$mode: the kernel bound the container to its own cgroup" "$rec"
	sum=$(rw_ebpf_records ebpf-summary ".container == \"$ID\"")
	rw_assert_eq "1 kernel" "$(printf '%s' "$sum" | jq -r '"\(.counters.exec) \(.released | split(":")[0])"')" \
		"$mode: its exec was counted and its end recorded when the cgroup went" "$sum"
	rw_assert_eq 1 "$(rw_ebpf_events ".container == \"$ID\" and .kind == \"exec\" and .filename == \"/bin/true\"" | wc -l)" \
		"$mode: the exec event names it"
done
rw_assert_eq 0 "$(bpftool map dump pinned "$RW_EBPF_PIN/rw_pending" -j | jq length)" "nothing is left pending"

# not_bound ID WHAT: ID got no attach record, then (its runtime gone, after the grace) one
# saying it was not attached.
not_bound() {
	rw_assert_eq "" "$(rw_ebpf_records ebpf-attach ".container == \"$1\" and .outcome == \"attached\"")" \
		"$2: the kernel did not bind it"
	sleep 2.2
	rw_assert_eq "not attached" "$(rw_ebpf_records ebpf-attach ".container == \"$1\"" | jq -r .outcome)" \
		"$2: audit drain records it as not attached"
}

# The runtime's own cgroup (the test's), and the root.
OWN=$(sed -n 's/^0:://p' /proc/self/cgroup)
rw_run env RUNWARDEN_CONFIG="$T/probe.json" RW_PROBE_MODE=clone3 RW_PROBE_CGROUP="$MNT$OWN" \
	"$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "rwbind-own-$$"
rw_assert_contains "$RW_OUT" "child exit 0" "a container cloned into the runtime's own cgroup ran"
not_bound "rwbind-own-$$" "the runtime's own cgroup"
cp "$T/config.orig" "$B/config.json"
rw_run env RUNWARDEN_CONFIG="$T/probe.json" RW_PROBE_MODE=clone3 RW_PROBE_CGROUP="$MNT" \
	"$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "rwbind-root-$$"
rw_assert_contains "$RW_OUT" "child exit 0" "a container cloned into the root cgroup ran"
not_bound "rwbind-root-$$" "the root cgroup"

# Another container's cgroup, still tracked.
L=$T/long
rw_make_bundle "$L" /bin/sleep 300
rw_run "$RW_SHIMS/crun" --root "$T/crun-real" run -d -b "$L" "rwbind-first-$$"
rw_assert_rc 0 "a first container runs"
rw_on_exit "'$RW_REAL_CRUN' --root '$T/crun-real' delete -f 'rwbind-first-$$' 2>/dev/null || true"
FIRST=$MNT$(sed -n 's/^0:://p' "/proc/$("$RW_REAL_CRUN" --root "$T/crun-real" state "rwbind-first-$$" | jq .pid)/cgroup")
cp "$T/config.orig" "$B/config.json"
rw_run env RUNWARDEN_CONFIG="$T/probe.json" RW_PROBE_MODE=clone3 RW_PROBE_CGROUP="$FIRST" \
	"$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "rwbind-second-$$"
rw_assert_contains "$RW_OUT" "child exit 0" "a second container cloned into the first one's cgroup ran"
not_bound "rwbind-second-$$" "another container's cgroup"
rw_assert_eq "rwbind-first-$$" "$("$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq -r '.containers[].id')" \
	"the cgroup still belongs to the first container"

# A binding left under a pid that a later process reuses never matches: the entry was
# written before that process started.
ID=rwbind-reuse-$$
mkdir "$MNT/$ID"
rw_on_exit "rmdir '$MNT/$ID' 2>/dev/null || true"
# its child moves itself (a child of the pending pid: bound, were the entry taken for its
# own), once the entry is in (a fifo, not a sleep)
mkfifo "$T/go"
sh -c 'read -r _ <"$2"; sh -c "echo \$\$ > $1/cgroup.procs && exec /bin/true"' _ "$MNT/$ID" "$T/go" &
LATE=$!
# (written by hand as runwarden would, but stamped a minute before that process started:
# as if left by a runtime that pid belonged to earlier)
stale=$(($(cut -d' ' -f1 /proc/uptime | tr -d .)0000000 - 60000000000))
key=$(printf '%08x' "$LATE" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4 \3 \2 \1/' | sed 's/\([0-9a-f][0-9a-f]\)/0x\1/g')
val=$(python3 -c "
import struct,sys
created=int(sys.argv[1]); cid=b'rwbind-stale'
v=struct.pack('<Q',created)+b'\0'*(16*8+8)+struct.pack('<Q',0)+cid.ljust(72,b'\0')
v+=b'\0'*(4*6+64*48)
print(' '.join('0x%02x'%b for b in v))" "$stale")
# shellcheck disable=SC2086
bpftool map update pinned "$RW_EBPF_PIN/rw_pending" key $key value $val 2>"$T/upd.err" ||
	rw_die "cannot write the test's pending entry: $(cat "$T/upd.err")"
echo go >"$T/go"
wait "$LATE" || true
rw_assert_eq "" "$(rw_ebpf_records ebpf-attach '.container == "rwbind-stale" and .outcome == "attached"')" \
	"a process that started after the binding was left is never bound by it"
rw_ebpf_drain
rw_assert_eq 0 "$(bpftool map dump pinned "$RW_EBPF_PIN/rw_pending" -j | jq length)" \
	"audit drain collected the stale binding (its pid is gone)"

rw_finish
