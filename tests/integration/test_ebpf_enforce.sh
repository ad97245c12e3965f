#!/bin/bash
# eBPF enforcement beside the network allowlist: packet (and raw) sockets are refused unless
# the tenant allows them, and sysctl writes are refused unless allowed; each refusal is
# recorded. The control run with both allowed shows the refusals come from the policy.
# The container has its own network namespace, so an allowed sysctl write stays in it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
rw_require_probe probe_ebpf probe_socket
T=$RW_TMP

# The engine asked for CAP_NET_RAW and a writable /proc/sys.
mk_bundle() {
	rw_make_bundle "$1" /bin/sh -c 'probe_socket packet raw; probe_socket inet raw 1; probe_ebpf write /proc/sys/net/ipv4/ip_forward 1; true'
	rw_bundle_jq "$1" '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW", "CAP_NET_ADMIN"]) |
		.linux.readonlyPaths |= map(select(. != "/proc/sys"))'
}

# --- refused by default -------------------------------------------------------------------
rw_ebpf_config '{}'
B=$T/deny
mk_bundle "$B"
ID=rwen1-$$
rw_run rw_as_login 5151 "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "$ID"
rw_assert_rc 0 "the container ran"
rw_assert_contains "$RW_OUT" "socket packet raw 0: errno=1 EPERM" "socket(AF_PACKET) is refused with EPERM"
rw_assert_contains "$RW_OUT" "socket inet raw 1: errno=1 EPERM" "socket(AF_INET, SOCK_RAW) is refused with EPERM"
rw_assert_contains "$RW_OUT" "write /proc/sys/net/ipv4/ip_forward: errno=1 EPERM" "the sysctl write is refused with EPERM"
rw_assert_eq 0 "$(jq '[.process.capabilities[] | .[] | select(. == "CAP_NET_RAW")] | length' "$B/config.json")" \
	"CAP_NET_RAW was removed from the spec handed to the runtime"
cap=$(rw_ebpf_events ".container == \"$ID\" and .kind == \"capability\"")
rw_assert_eq "CAP_NET_RAW true 5151" "$(printf '%s\n' "$cap" | head -1 | jq -r '"\(.capability) \(.refused) \(.loginuid)"')" \
	"the refused packet socket is recorded (refused CAP_NET_RAW check)" "$cap"
rw_assert_eq "probe_socket" "$(printf '%s\n' "$cap" | head -1 | jq -r .comm)" "the record names the process"
sc=$(rw_ebpf_events ".container == \"$ID\" and .kind == \"sysctl\" and .write")
rw_assert_eq "net/ipv4/ip_forward true -1 1" "$(printf '%s\n' "$sc" | head -1 | jq -r '"\(.name) \(.refused) \(.error) \(.value)"')" \
	"the refused sysctl write is recorded with name and value" "$sc"
sum=$(rw_ebpf_records ebpf-summary ".container == \"$ID\"")
rw_assert_eq "true" "$(printf '%s' "$sum" | jq '.counters.refused >= 3 and .counters.sysctl >= 1 and .counters.capability >= 2')" \
	"the summary counts the refusals" "$sum"

# --- control: the tenant allows both ---------------------------------------------------
rw_ebpf_config '{"allowRawSockets": true, "sysctlWrites": true}'
B=$T/allow
mk_bundle "$B"
ID=rwen2-$$
rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "$ID"
rw_assert_rc 0 "control: the container ran"
rw_assert_contains "$RW_OUT" "socket packet raw 0: ok" "control: the packet socket is created when allowed"
rw_assert_contains "$RW_OUT" "socket inet raw 1: ok" "control: the raw inet socket is created when allowed"
rw_assert_contains "$RW_OUT" "write /proc/sys/net/ipv4/ip_forward: ok" "control: the sysctl write works when allowed"
rw_assert_eq 0 "$(rw_ebpf_events ".container == \"$ID\" and .refused" | wc -l)" "control: nothing refused, nothing recorded as refused"
rw_assert_eq 1 "$(rw_ebpf_events ".container == \"$ID\" and .kind == \"sysctl\" and .write" | wc -l)" \
	"control: the allowed sysctl write is still recorded"

rw_finish
