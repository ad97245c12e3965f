#!/bin/bash
# eBPF enforcement beside the network allowlist: packet (and raw) sockets are refused unless
# the tenant allows them, and sysctl writes are refused unless allowed; each refusal is
# recorded. The control run with both allowed shows the refusals come from the policy.
# The container has its own network namespace, so an allowed sysctl write stays in it.
# An exec gets the same rule: CAP_NET_RAW is taken out of its process.json (and the exec's
# record says so), and an inline `exec --cap CAP_NET_RAW` is refused in one line.
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

# --- exec: the same rule for a process added later ----------------------------------------
# The container was created while its tenant could open raw sockets, so CAP_NET_RAW is in
# its bounding set; then the site takes that away. An exec asking for CAP_NET_RAW (as an
# engine does from its own copy of the container's config) must not get it.
L=$T/long
rw_make_bundle "$L" /bin/sleep 300
rw_bundle_jq "$L" '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
ID=rwen3-$$
rw_run "$RW_SHIMS/runc" --root "$T/runc" run -d -b "$L" "$ID"
rw_assert_rc 0 "exec: a long-running container started (raw sockets allowed then)"
rw_on_exit "'$RW_REAL_RUNC' --root '$T/runc' delete -f '$ID'"
jq -n '{args: ["/bin/probe_socket", "packet", "raw"], cwd: "/", env: ["PATH=/bin"], user: {uid: 0, gid: 0},
	capabilities: ([ "bounding", "effective", "permitted" ] | map({(.): ["CAP_NET_RAW"]}) | add)}' >"$T/process.orig"
exec_process() {
	cp "$T/process.orig" "$T/process.json"
	rw_run "$RW_SHIMS/runc" --root "$T/runc" exec --process "$T/process.json" "$ID"
}
exec_record() { jq -c "select(.event == \"exec\" and .container.id == \"$ID\")" "$RW_EBPF_LOG" | tail -n 1; }

exec_process # control: still allowed
rw_assert_contains "$RW_OUT" "socket packet raw 0: ok" "exec control: with raw sockets allowed, the exec may open one"

rw_ebpf_config '{}' # the site no longer allows raw sockets
exec_process # (the probe exits 1 when its socket is refused)
rw_assert_contains "$RW_OUT" "socket packet raw 0: errno=1 EPERM" "exec --process: the exec ran; its packet socket is refused"
rw_assert_eq 0 "$(jq '[.capabilities[] | .[] | select(. == "CAP_NET_RAW")] | length' "$T/process.json")" \
	"exec --process: CAP_NET_RAW was removed from the process.json handed to the runtime"
rec=$(exec_record)
rw_assert_eq "true false" "$(printf '%s' "$rec" | jq -r '"\(.facts.ebpf.policy.capNetRawRemoved) \(.facts.ebpf.policy.allowRawSockets)"')" \
	"exec --process: the exec's audit record says CAP_NET_RAW was removed" "$rec"

rw_run "$RW_SHIMS/runc" --root "$T/runc" exec --cap CAP_NET_RAW "$ID" /bin/probe_socket packet raw
rw_assert_refused "exec --cap CAP_NET_RAW: an inline command asking for it is refused"
rw_assert_contains "$RW_ERR" "ebpf.allowRawSockets" "exec --cap CAP_NET_RAW: the refusal names the rule"
rw_assert_eq 1 "$(printf '%s\n' "$RW_ERR" | grep -c 'runwarden: refused' || true)" "exec --cap CAP_NET_RAW: in one line" "$RW_ERR"
rw_assert_not_contains "$RW_OUT" "socket packet" "exec --cap CAP_NET_RAW: the command never ran"
rec=$(exec_record)
rw_assert_eq "refused exec --cap CAP_NET_RAW" "$(printf '%s' "$rec" | jq -r '"\(.decision) \(.facts.ebpf.policy.capNetRawRefused)"')" \
	"exec --cap CAP_NET_RAW: the exec's audit record says refused, and why" "$rec"

rw_finish
