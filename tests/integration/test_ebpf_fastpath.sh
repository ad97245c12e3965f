#!/bin/bash
# No runwarden process runs for a container's eBPF auditing once this build's host part is
# pinned: the launcher leaves the binding in a pinned map (raw bpf(2) calls), the kernel
# makes it when the runtime moves the container into its cgroup and releases it with that
# cgroup. The runwarden-bpf helper runs only to load: for the first container, and when
# the pinned part comes from another build (replaced when nothing uses it; kept, and still
# used, while a container is tracked). `audit follow` writes the events as they come;
# containers started at the same time each get their attach record and their summary and
# leave nothing behind; the cgroup programs are linked once, at the cgroup v2 root.
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
attaches() { grep -c '^load$' "$HELPER.log" || true; }
host_of() { jq -r "select(.event == \"run\" and .container.id == \"rwfp$1-$$\") | .facts.ebpf.binding.host.$2" "$RW_EBPF_LOG"; }
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
rw_assert_eq "loaded by runwarden-bpf" "$(host_of 1 programs)" "its record says the programs were loaded"
rw_assert_eq 1 "$(bpftool map dump pinned "$RW_EBPF_PIN/rw_build" -j | jq length)" "the build stamp is pinned"

# --- 2. the next ones: no helper, no hook ------------------------------------------------
run_one
run_one
rw_assert_eq 1 "$(attaches)" "the next containers did not need the helper"
rw_assert_eq pinned "$(host_of 3 programs)" "their records say the programs were pinned"
rw_assert_eq null "$(jq -c .hooks "$B/config.json")" "the bundle got no hook"
sum=$(summary_of "rwfp3-$$")
rw_assert_eq "1 kernel" "$(printf '%s' "$sum" | jq -r '"\(.counters.exec) \(.released | split(":")[0])"')" \
	"the kernel's end event counted the exec" "$sum"
rw_assert_eq 1 "$(rw_ebpf_events ".container == \"rwfp3-$$\" and .kind == \"exec\" and .filename == \"/bin/true\"" | wc -l)" \
	"the exec event is in the audit log, attributed"
rw_assert_eq "0 0" "$(bpftool map dump pinned "$RW_EBPF_PIN/rw_pending" -j | jq length) $("$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq '.containers | length')" \
	"nothing is left pending or tracked"

# --- 3. another build's pins, nothing running: replaced ----------------------------------
foreign_stamp
run_one
rw_assert_eq 2 "$(attaches)" "another build's stamp sends the container to the helper"
rw_assert_eq attached "$(rw_ebpf_records ebpf-attach ".container == \"rwfp$n-$$\"" | jq -r .outcome)" \
	"and it is attached"
run_one
rw_assert_eq 2 "$(attaches)" "nothing used them: replaced, so the next container needs no helper"

# --- 4. another build's pins while a container runs: kept, and used ----------------------
L=$T/long
rw_make_bundle "$L" /bin/sleep 300
rw_run "$RW_SHIMS/crun" --root "$T/crun" run -d -b "$L" "rwfplong-$$"
rw_assert_rc 0 "a long-running container started"
rw_on_exit "'$RW_REAL_CRUN' --root '$T/crun' delete -f 'rwfplong-$$'"
foreign_stamp
run_one
rw_assert_eq 3 "$(attaches)" "the helper was asked again"
rw_assert_eq attached "$(rw_ebpf_records ebpf-attach ".container == \"rwfp$n-$$\"" | jq -r .outcome)" \
	"another build's programs are kept while a container is tracked, and a new one is bound by them"
run_one
rw_assert_eq 4 "$(attaches)" "while they are kept, each start asks the helper"
rw_run "$RW_SHIMS/crun" --root "$T/crun" delete -f "rwfplong-$$"
rw_assert_rc 0 "the long-running container was removed"
rw_assert_eq 1 "$(summary_of "rwfplong-$$" | wc -l)" "its summary was written"
run_one
rw_assert_eq 5 "$(attaches)" "once it is gone, the next container has them replaced"
run_one
rw_assert_eq 5 "$(attaches)" "(by this build's: the next one needs no helper)"

# --- 5. `audit follow` running: it writes the events as they come ------------------------
"$RW_BIN" audit follow --json >"$T/follow.out" 2>"$T/follow.err" &
FOLLOW=$!
rw_on_exit "kill $FOLLOW 2>/dev/null || true"
# (read from /proc/locks: testing the lock must not take it)
follow_holds() { awk -v i=":$(stat -c %i "$RW_EBPF_STATE/follow.lock" 2>/dev/null || echo x)" '$2 == "OFDLCK" && substr($6, length($6) - length(i) + 1) == i { f = 1 } END { exit !f }' /proc/locks; }
rw_wait_for 10 follow_holds || rw_die "audit follow did not start: $(cat "$T/follow.err")"
run_one
RW_EBPF_NO_DRAIN=1
has_sum() { [ -n "$(summary_of "rwfp$n-$$")" ]; }
rw_wait_for 10 has_sum || true
rw_assert_eq 1 "$(summary_of "rwfp$n-$$" | wc -l)" "follow wrote the container's summary"
rw_assert_eq 1 "$(rw_ebpf_events ".container == \"rwfp$n-$$\" and .kind == \"exec\"" | wc -l)" \
	"and its exec event, once"
rw_assert_contains "$(cat "$T/follow.out")" "\"container\":\"rwfp$n-$$\"" "follow printed them"
RW_EBPF_NO_DRAIN=0
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
rw_assert_eq 5 "$(attaches)" "none of them needed the helper"
rw_assert_eq "0 0" "$(bpftool map dump pinned "$RW_EBPF_PIN/rw_pending" -j | jq length) $("$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq '.containers | length')" \
	"nothing is left pending or tracked"

# --- 7. the cgroup programs: linked once, at the cgroup v2 root --------------------------
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then MNT=/sys/fs/cgroup; else MNT=/sys/fs/cgroup/unified; fi
ids=$(for p in rw_connect4 rw_connect6 rw_sendmsg4 rw_sendmsg6 rw_sock_create rw_dev rw_sysctl; do
	bpftool prog show pinned "$RW_EBPF_PIN/$p" -j | jq .id
done | jq -sc .)
# (bpftool prints nothing at all when nothing is attached there)
on_root() { bpftool cgroup show "$MNT" -j | jq -s --argjson ids "$ids" '[.[][] | select(.id as $i | $ids | index($i))] | length'; }
rw_assert_eq 7 "$(on_root)" "the seven cgroup programs are linked once at the cgroup v2 root $MNT"
binding=$(for p in bind_link fork_link rmdir_link; do [ -e "$RW_EBPF_PIN/$p" ] && echo "$p"; done | wc -l)
rw_assert_eq 3 "$binding" "the binding programs (cgroup move, fork, cgroup removal) are linked and pinned"
rw_assert_ok "runwarden-bpf unload" "$RW_BPF_HELPER" unload --force --config "$RUNWARDEN_CONFIG"
gone() { [ "$(on_root)" = 0 ]; }
rw_wait_for 5 gone || true
rw_assert_eq 0 "$(on_root)" "unload takes them off the cgroup v2 root (the links went with their pins)"

rw_finish
