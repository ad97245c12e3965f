#!/bin/bash
# 100 containers started and removed with eBPF auditing leave nothing behind: the same
# number of runwarden BPF programs, maps and links (bpftool) and of pins, state files and
# map entries (policy, counters, tracked, pending) before and after. The programs are
# loaded once (pinned) and linked at the cgroup v2 root; the kernel binds each container
# when its runtime moves it into its cgroup and releases it with that cgroup; the names it
# keeps for the consumer go once `audit drain` has written the end events. Only the first
# container needs the runwarden-bpf helper (to load and pin), and no container has a hook.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
T=$RW_TMP
N=${RW_EBPF_LEAK_N:-100}
HELPER=$T/counting-helper
rw_ebpf_counting_helper "$HELPER"
rw_ebpf_config "$(jq -n --arg h "$HELPER" '{helper: $h}')"
B=$T/b
rw_make_bundle "$B" /bin/true

run_one() {
	rw_run "$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "$1"
}

# This test's programs (all of them use its ring buffer), their maps and links, its pins,
# state files and map entries; other runwarden tests may run at the same time with their
# own pin directories, so host-wide totals are printed but not compared.
counts() {
	local ev ids progs maps links pins states tracked entries m
	rw_ebpf_drain
	ev=$(bpftool map show pinned "$RW_EBPF_PIN/rw_events" -j | jq .id)
	ids=$(bpftool prog list -j | jq -c --argjson ev "$ev" '[.[] | select((.map_ids // []) | index($ev)) | .id]')
	progs=$(jq length <<<"$ids")
	maps=$(bpftool prog list -j | jq --argjson ids "$ids" '[.[] | select(.id as $i | $ids | index($i)) | .map_ids[]] | unique | length')
	links=$(bpftool link list -j | jq --argjson ids "$ids" '[.[] | select(.prog_id as $i | $ids | index($i))] | length')
	pins=$(find "$RW_EBPF_PIN" -mindepth 1 | wc -l)
	states=$(find "$RW_EBPF_STATE" -name '*.json' | wc -l)
	tracked=$("$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq '.containers | length')
	entries=
	for m in rw_policy rw_counters rw_tracked rw_pending; do
		entries+=$(bpftool map dump pinned "$RW_EBPF_PIN/$m" -j | jq length),
	done
	echo "progs=$progs maps=$maps links=$links pins=$pins states=$states tracked=$tracked entries=$entries"
}

# The first container loads the host-wide part (pinned once, on purpose).
run_one rwlk0-$$
rw_assert_rc 0 "a first container loads the host-wide programs"
before=$(counts)
echo "before: $before"

failed=0
for i in $(seq 1 "$N"); do
	run_one "rwlk$i-$$"
	if [ "$RW_RC" -ne 0 ]; then
		failed=$((failed + 1))
		echo "container $i: exit $RW_RC: $RW_ERR"
	fi
done
rw_assert_eq 0 "$failed" "$N containers ran and were removed"
rw_assert_eq "$N" "$(rw_ebpf_records ebpf-attach '.outcome == "attached"' | grep -c "rwlk[0-9]*-$$" | awk -v n=1 '{print $1 - n}')" \
	"each of them had every program attached"
rw_assert_eq "$((N + 1))" "$(rw_ebpf_records ebpf-summary | wc -l)" "each of them got a summary when its cgroup went"
rw_assert_eq "load" "$(tr '\n' ' ' <"$HELPER.log" | sed 's/ $//')" \
	"the helper ran once, for the first container (load and pin); never for the $N others"
rw_assert_eq "1 $N" "$(jq -c 'select(.event == "run") | .facts.ebpf.binding.host.programs' "$RW_EBPF_LOG" |
	jq -rs '"\(map(select(. == "loaded by runwarden-bpf")) | length) \(map(select(. == "pinned")) | length)"')" \
	"the first start loaded the programs, the others found them pinned"
rw_assert_eq 0 "$(jq -c 'select(.event == "run") | .changes // [] | .[] | select(.path | startswith("/hooks"))' "$RW_EBPF_LOG" | wc -l)" \
	"no container got a hook"

after=
settled() {
	after=$(counts)
	[ "$after" = "$before" ]
}
rw_wait_for 30 settled || true
echo "after:  $after"
echo "host-wide rw_* programs now: $(bpftool prog list -j | jq '[.[] | select((.name // "") | startswith("rw_"))] | length')"
rw_assert_eq "$before" "$after" "no programs, maps, links, pins, state or tracked entries left behind"
rw_assert_match "$after" "entries=0,0,0," "no policy, counter or tracked entry is left"

rw_finish
