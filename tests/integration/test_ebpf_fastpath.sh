#!/bin/bash
# The eBPF hooks attach and release containers themselves (raw bpf(2) calls in the
# runwarden binary) once this build's host part is pinned, and start the runwarden-bpf
# helper only to load it: for the first container, and when the pinned part comes from
# another build (replaced when nothing uses it, kept while a container is tracked). A
# poststop leaves the draining to a running `audit follow`; containers started at the same
# time each get their attach record and their summary, and leave nothing behind.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
T=$RW_TMP
HELPER=$T/counting-helper
rw_ebpf_counting_helper "$HELPER"
rw_ebpf_config "$(jq -n --arg h "$HELPER" '{helper: $h}')"
B=$T/b
rw_make_bundle "$B" /bin/true
cp "$B/config.json" "$T/config.orig"
n=0

# run_one: one `crun run /bin/true` through the shim, container rwfp<n>-<pid>.
run_one() {
	n=$((n + 1))
	cp "$T/config.orig" "$B/config.json"
	rw_run "$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "rwfp$n-$$"
	rw_assert_rc 0 "container $n ran"
}
attaches() { grep -c '^attach$' "$HELPER.log" || true; }
host_of() { rw_ebpf_records ebpf-attach ".container == \"rwfp$1-$$\"" | jq -r ".host.$2"; }
summary_of() { rw_ebpf_records ebpf-summary ".container == \"$1\""; }
# foreign_stamp: makes the pinned build stamp another build's.
foreign_stamp() {
	# shellcheck disable=SC2046
	bpftool map update pinned "$RW_EBPF_PIN/rw_build" key 0 0 0 0 value $(printf '0x41 %.0s' $(seq 64)) ||
		rw_die "cannot change the build stamp"
}

# --- 1. the first container: the helper loads and pins ---------------------------------
run_one
rw_assert_eq 1 "$(attaches)" "the first container needed the helper"
rw_assert_eq loaded "$(host_of 1 programs)" "its attach record says the programs were loaded"
rw_assert_eq 1 "$(bpftool map dump pinned "$RW_EBPF_PIN/rw_build" -j | jq length)" "the build stamp is pinned"

# --- 2. the next ones: the hooks alone ---------------------------------------------------
run_one
run_one
rw_assert_eq 1 "$(attaches)" "the next containers did not need the helper"
rw_assert_eq pinned "$(host_of 3 programs)" "their attach records say the programs were pinned"
sum=$(summary_of "rwfp3-$$")
rw_assert_eq "1 drained" "$(printf '%s' "$sum" | jq -r '"\(.counters.exec) \(.events | split(" ")[0])"')" \
	"the poststop hook counted the exec and drained the ring buffer itself" "$sum"
rw_assert_eq 1 "$(rw_ebpf_events ".container == \"rwfp3-$$\" and .kind == \"exec\" and .filename == \"/bin/true\"" | wc -l)" \
	"the drained exec event is in the audit log, attributed"
rw_assert_eq "" "$(ls "$RW_EBPF_STATE"/*.json 2>/dev/null || true)" "no state is left"

# --- 3. another build's pins, nothing running: replaced ----------------------------------
foreign_stamp
run_one
rw_assert_eq 2 "$(attaches)" "another build's stamp sends the container to the helper"
rw_assert_eq "loaded another runwarden build's programs" "$(host_of "$n" programs) $(host_of "$n" replaced)" \
	"nothing used them: the helper replaced them with this build's"
run_one
rw_assert_eq 2 "$(attaches)" "after the replacement the hooks work alone again"

# --- 4. another build's pins while a container runs: kept --------------------------------
L=$T/long
rw_make_bundle "$L" /bin/sleep 300
rw_run "$RW_SHIMS/crun" --root "$T/crun" run -d -b "$L" "rwfplong-$$"
rw_assert_rc 0 "a long-running container started"
rw_on_exit "'$RW_REAL_CRUN' --root '$T/crun' delete -f 'rwfplong-$$'"
foreign_stamp
run_one
rw_assert_eq 3 "$(attaches)" "the helper was asked again"
rw_assert_contains "$(host_of "$n" programs)" "kept: containers are tracked" \
	"with a container attached to them, another build's programs are kept"
rw_assert_eq attached "$(rw_ebpf_records ebpf-attach ".container == \"rwfp$n-$$\"" | jq -r .outcome)" \
	"and the container is attached to them all the same"
rw_run "$RW_SHIMS/crun" --root "$T/crun" delete -f "rwfplong-$$"
rw_assert_rc 0 "the long-running container was removed"
rw_assert_eq 1 "$(summary_of "rwfplong-$$" | wc -l)" "its poststop wrote its summary"
run_one
rw_assert_eq 4 "$(attaches)" "once it is gone, the next container has them replaced"
rw_assert_eq loaded "$(host_of "$n" programs)" "(loaded by this build)"
LOADED=$n

# --- 5. `audit follow` running: the poststop leaves the events to it ---------------------
"$RW_BIN" audit follow --json >"$T/follow.out" 2>"$T/follow.err" &
FOLLOW=$!
rw_on_exit "kill $FOLLOW 2>/dev/null || true"
# (read from /proc/locks: testing the lock must not take it)
follow_holds() { awk -v i=":$(stat -c %i "$RW_EBPF_STATE/follow.lock" 2>/dev/null || echo x)" '$2 == "OFDLCK" && substr($6, length($6) - length(i) + 1) == i { f = 1 } END { exit !f }' /proc/locks; }
rw_wait_for 10 follow_holds || rw_die "audit follow did not start: $(cat "$T/follow.err")"
run_one
rw_assert_eq follow "$(summary_of "rwfp$n-$$" | jq -r .events)" "the summary says follow has the events"
has_exec() { [ -n "$(rw_ebpf_events ".container == \"rwfp$n-$$\" and .kind == \"exec\"")" ]; }
rw_wait_for 10 has_exec || true
rw_assert_eq 1 "$(rw_ebpf_events ".container == \"rwfp$n-$$\" and .kind == \"exec\"" | wc -l)" \
	"follow recorded the container's exec event, once"
kill -TERM "$FOLLOW"
wait "$FOLLOW" 2>/dev/null || true

# --- 6. four containers at once ----------------------------------------------------------
first=$((n + 1))
pids=()
for i in 1 2 3 4; do
	n=$((n + 1))
	mkdir -p "$T/p$i"
	cp "$T/config.orig" "$T/p$i/config.json"
	cp -al "$B/rootfs" "$T/p$i/rootfs"
	"$RW_SHIMS/crun" --root "$T/crun" run -b "$T/p$i" "rwfp$n-$$" </dev/null >"$T/p$i.out" 2>&1 &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
rw_assert_eq 0 "$failed" "four containers started at once all ran"
ids=$(seq "$first" "$n" | sed "s/.*/\"rwfp&-$$\"/" | paste -sd, -)
rw_assert_eq "4 4" "$(rw_ebpf_records ebpf-attach ".container | IN($ids)" | jq -s 'map(select(.outcome == "attached")) | length') $(rw_ebpf_records ebpf-summary ".container | IN($ids)" | wc -l)" \
	"each got one attach record (attached) and one summary"
rw_assert_eq 4 "$(attaches)" "none of them needed the helper"
rw_assert_eq "0 0" "$(find "$RW_EBPF_STATE" -name '*.json' | wc -l) $("$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq '.containers | length')" \
	"no state file and no tracked container is left"

# --- 7. the kernel's hook points stay on: the programs are also linked to an empty cgroup -
# (cgroup/dev is linked at the cgroup v2 root instead: that link keeps its hook point on)
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then MNT=/sys/fs/cgroup; else MNT=/sys/fs/cgroup/unified; fi
KA=$MNT/runwarden.keepalive
ids=$(for p in rw_connect4 rw_connect6 rw_sendmsg4 rw_sendmsg6 rw_sock_create rw_sysctl; do
	bpftool prog show pinned "$RW_EBPF_PIN/$p" -j | jq .id
done | jq -sc .)
dev_id=$(bpftool prog show pinned "$RW_EBPF_PIN/rw_dev" -j | jq .id)
on_keepalive() {
	if [ -d "$KA" ]; then
		bpftool cgroup show "$KA" -j | jq -c --argjson ids "$ids" '[.[] | select(.id as $i | $ids | index($i))] | length'
	else
		echo 0
	fi
}
# (bpftool prints nothing at all when nothing is attached there)
on_root() { bpftool cgroup show "$MNT" -j | jq -s --argjson i "$dev_id" '[.[][] | select(.id == $i)] | length'; }
rw_assert_eq 6 "$(on_keepalive)" "the six per-container programs are linked to $KA"
rw_assert_eq 0 "$(wc -l <"$KA/cgroup.procs")" "and nothing runs there"
rw_assert_eq 1 "$(on_root)" "rw_dev is linked once at the cgroup v2 root $MNT"
rw_assert_match "$(host_of "$LOADED" hookPoints)" "^on " "the attach record of a load says the hook points stay on"
rw_assert_match "$(host_of "$LOADED" devices)" "^observed host-wide" "and that devices are observed host-wide"
rw_assert_ok "runwarden-bpf unload" "$RW_BPF_HELPER" unload --force --config "$RUNWARDEN_CONFIG"
gone() { [ "$(on_keepalive) $(on_root)" = "0 0" ]; }
rw_wait_for 5 gone || true
rw_assert_eq 0 "$(on_keepalive)" "unload takes them off $KA (the links went with their pins)"
rw_assert_eq 0 "$(on_root)" "and takes rw_dev off the cgroup v2 root"

rw_finish
