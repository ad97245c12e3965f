# shellcheck shell=bash
# Shared setup of the eBPF hook tests (test_ebpf_*.sh); source it after lib.sh.
# Each test gets its own pin directory, state directory and audit log, so the host-wide
# programs of one test never see another test's containers, and unloads them at exit.

# rw_ebpf_setup: checks the machine, makes RW_TMP, shims, and sets
#   RW_BPF_HELPER  the built runwarden-bpf      RW_EBPF_PIN    this test's pin directory
#   RW_EBPF_LOG    this test's audit log         RW_EBPF_STATE  this test's state directory
rw_ebpf_setup() {
	rw_require jq bpftool
	rw_host_prepare
	RW_BPF_HELPER=$RW_BUILD_DIR/runwarden-bpf
	[ -x "$RW_BPF_HELPER" ] || rw_skip "runwarden-bpf was not built (RW_BPF=OFF)"
	[ -d /sys/fs/cgroup/unified ] || [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
		rw_skip "no cgroup v2 hierarchy"
	[ -r /sys/kernel/btf/vmlinux ] || rw_skip "kernel without BTF: the CO-RE programs cannot be relocated"
	rw_tmpdir
	rw_make_shims "$RW_TMP/shims"
	RW_EBPF_PIN=/sys/fs/bpf/rwt-${RW_TEST_NAME}-$$
	RW_EBPF_STATE=$RW_TMP/ebpf-state
	RW_EBPF_LOG=$RW_TMP/audit.jsonl
	rw_on_exit "rw_ebpf_unload"
}

# rw_ebpf_config [EBPF-JSON]: writes $RW_TMP/runwarden.json (exports RUNWARDEN_CONFIG) with
# the audit log and the ebpf section of this test; EBPF-JSON is merged into the section.
rw_ebpf_config() {
	local extra=${1:-'{}'} patch
	patch=$(jq -n --arg log "$RW_EBPF_LOG" --arg key "$RW_TMP/audit-seal.key" \
		--arg pin "$RW_EBPF_PIN" --arg st "$RW_EBPF_STATE" --argjson x "$extra" \
		'{audit: {log: $log, sealKey: $key},
		  ebpf: ({enabled: true, pinDir: $pin, stateDir: $st} + $x)}')
	rw_write_config "$RW_TMP/runwarden.json" "$patch"
}

# rw_ebpf_counting_helper FILE: a runwarden-bpf wrapper at FILE that appends its command
# (attach, release, follow...) to FILE.log, then runs the built helper; as ebpf.helper it
# shows how often the hooks needed the helper.
rw_ebpf_counting_helper() {
	# shellcheck disable=SC2016 # $1 and $@ belong to the wrapper
	printf '#!/bin/sh\necho "$1" >>"%s.log"\nexec "%s" "$@"\n' "$1" "$RW_BPF_HELPER" >"$1"
	chmod 0755 "$1"
	: >"$1.log"
}

rw_ebpf_unload() {
	[ -n "${RUNWARDEN_CONFIG:-}" ] || return 0
	"$RW_BPF_HELPER" unload --force --config "$RUNWARDEN_CONFIG" >/dev/null 2>&1 || true
	rm -rf "$RW_EBPF_PIN" 2>/dev/null || true
}

# rw_ebpf_drain: writes what the ring buffer holds to the log (`runwarden audit drain`): the
# kernel binds and releases containers itself, and nothing drains while no `audit follow`
# runs and no container starts. RW_EBPF_NO_DRAIN=1 leaves the events to a test's own
# `audit follow`.
rw_ebpf_drain() {
	[ "${RW_EBPF_NO_DRAIN:-0}" = 1 ] && return 0
	"$RW_BIN" audit drain >/dev/null || rw_fail "runwarden audit drain failed"
}

# rw_ebpf_events JQ-FILTER: the ebpf-event records of this test's audit log that pass
# JQ-FILTER, one compact JSON per line (after a drain).
rw_ebpf_events() {
	rw_ebpf_drain
	[ -f "$RW_EBPF_LOG" ] || return 0
	jq -c "select(.event == \"ebpf-event\") | select($1)" "$RW_EBPF_LOG"
}

# rw_ebpf_records EVENT [JQ-FILTER]: records of type EVENT (ebpf-attach, ebpf-summary), after
# a drain.
rw_ebpf_records() {
	rw_ebpf_drain
	[ -f "$RW_EBPF_LOG" ] || return 0
	jq -c "select(.event == \"$1\") | select(${2:-true})" "$RW_EBPF_LOG"
}

# rw_as_login LOGINUID CMD...: runs CMD with that audit login uid, as a login session
# would give it (the kernel lets a process whose loginuid is unset set it once).
rw_as_login() {
	local l=$1
	shift
	sh -c 'echo "$0" >/proc/self/loginuid && shift && exec "$@"' "$l" _ "$@"
}

# rw_ebpf_port: a free-looking TCP port in 20000..39999.
rw_ebpf_port() {
	echo $((20000 + (RANDOM * 7 + $$) % 20000))
}

# rw_ebpf_listen PORT SECONDS: a loopback accept-and-close server (probe_ebpf) in the
# background, stopped at exit.
rw_ebpf_listen() {
	local out=$RW_TMP/listen-$1.out
	"$RW_BUILD_DIR/tests/probes/probe_ebpf" listen 127.0.0.1 "$1" "$2" >"$out" 2>&1 &
	rw_on_exit "kill $! 2>/dev/null || true"
	rw_wait_for 5 grep -q listening "$out" || rw_die "listener on port $1 did not start: $(cat "$out")"
}

# rw_bundle_host_net DIR: the container shares the host network namespace (the loopback
# listener is reachable; the cgroup hooks judge the connects all the same).
rw_bundle_host_net() {
	rw_bundle_jq "$1" '.linux.namespaces |= map(select(.type != "network"))'
}
