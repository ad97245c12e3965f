#!/bin/bash
# eBPF cgroup hooks, network side: a container's connect to a loopback listener gives exactly
# one connect event with the address, port, container id and the starter's login uid; with
# an egress allowlist a connect outside it (IPv4 or IPv6) fails with EPERM inside the
# container and is recorded as refused, one inside it works (IPv4-mapped IPv6 judged as
# IPv4); with a ring buffer too small for the events, the counters stay exact and the loss
# is counted. Both runc and crun, through the shims.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
rw_require_probe probe_ebpf probe_connect
T=$RW_TMP
P1=$(rw_ebpf_port)
P2=$((P1 + 1))
rw_ebpf_listen "$P1" 120

# --- 1. audit only: one connect event, attributed -------------------------------------
rw_ebpf_config '{}'
B=$T/b1
rw_make_bundle "$B" /bin/probe_ebpf connects 127.0.0.1 "$P1" 1
rw_bundle_host_net "$B"
ID1=rwec1-$$
rw_run rw_as_login 4242 "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "$ID1"
rw_assert_rc 0 "runc: the container ran with the hooks"
rw_assert_contains "$RW_OUT" "ok=1 failed=0" "runc: the connect to the listener worked"
rw_assert_eq 1 "$(rw_ebpf_records ebpf-attach ".container == \"$ID1\" and .outcome == \"attached\"" | wc -l)" \
	"runc: an ebpf-attach record says every program was attached"
ev=$(rw_ebpf_events ".container == \"$ID1\" and .kind == \"connect\"")
rw_assert_eq 1 "$(printf '%s\n' "$ev" | grep -c . || true)" "runc: exactly one connect event" "$ev"
rw_assert_eq "127.0.0.1 $P1 tcp 4242 false" \
	"$(printf '%s' "$ev" | jq -r '"\(.address) \(.port) \(.protocol) \(.loginuid) \(.refused)"')" \
	"runc: the event has the address, port, protocol, starter login uid, allowed"
rw_assert_eq "probe_ebpf" "$(printf '%s' "$ev" | jq -r .comm)" "runc: the event names the process"
cg=$(rw_ebpf_records ebpf-attach ".container == \"$ID1\"" | jq -r .cgroupId)
rw_assert_eq "$cg" "$(printf '%s' "$ev" | jq -r .cgroupId)" "runc: the event carries the container's cgroup id"
rw_assert_eq 1 "$(rw_ebpf_records ebpf-summary ".container == \"$ID1\"" | jq -r .counters.connect)" \
	"runc: the poststop summary counts the connect"
rw_assert_eq "" "$(ls "$RW_EBPF_STATE"/*.json 2>/dev/null || true)" "runc: poststop removed the state"

# --- 2. egress allowlist: inside works, outside is EPERM and recorded -------------------
rw_ebpf_config "$(jq -n --argjson p "$P1" '{egress: [{cidr: "127.0.0.1/32", ports: [$p], protocols: ["tcp"]}]}')"
B=$T/b2
rw_make_bundle "$B" /bin/sh -c "probe_ebpf connects 127.0.0.1 $P1 1; probe_ebpf connects 127.0.0.1 $P2 1; probe_ebpf connects 127.0.0.2 $P1 1; probe_connect ::1 $P1; probe_connect ::ffff:127.0.0.1 $P1; true"
rw_bundle_host_net "$B"
ID2=rwec2-$$
rw_run rw_as_login 4243 "$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "$ID2"
rw_assert_rc 0 "crun: the container ran with an egress allowlist"
rw_assert_contains "$RW_OUT" "connects 1 ok=1 failed=0" "crun: the allowed connect worked"
rw_assert_eq 2 "$(printf '%s\n' "$RW_OUT" | grep -c 'ok=0 failed=1 first_errno=EPERM' || true)" \
	"crun: both connects outside the allowlist failed with EPERM" "$RW_OUT"
rw_assert_contains "$RW_OUT" "connect ::1:$P1: errno=1 EPERM" "crun: an IPv6 connect outside the allowlist fails with EPERM"
rw_assert_contains "$RW_OUT" "connect ::ffff:127.0.0.1:$P1: ok" "crun: an IPv4-mapped IPv6 connect is judged by the IPv4 rules"
refused=$(rw_ebpf_events ".container == \"$ID2\" and .kind == \"connect\" and .refused")
rw_assert_eq "127.0.0.1:$P2 127.0.0.2:$P1 ::1:$P1" \
	"$(printf '%s\n' "$refused" | jq -r '"\(.address):\(.port)"' | sort | tr '\n' ' ' | sed 's/ $//')" \
	"crun: the refused connects are recorded with their destinations" "$refused"
rw_assert_eq "-1 4243" "$(printf '%s\n' "$refused" | head -1 | jq -r '"\(.error) \(.loginuid)"')" \
	"crun: a refused connect records EPERM and the starter"
rw_assert_eq "127.0.0.1 127.0.0.1" "$(rw_ebpf_events ".container == \"$ID2\" and .kind == \"connect\" and (.refused | not)" | jq -r .address | tr '\n' ' ' | sed 's/ $//')" \
	"crun: the allowed connects (IPv4 and IPv4-mapped) are recorded as allowed IPv4"
rw_assert_eq 3 "$(rw_ebpf_records ebpf-summary ".container == \"$ID2\"" | jq -r .counters.refused)" \
	"crun: the summary counts three refusals"
rw_assert_eq 0 "$(rw_ebpf_events ".container == \"$ID1\" and .time > \"$(rw_ebpf_records ebpf-attach ".container == \"$ID2\"" | jq -r .time)\"" | wc -l)" \
	"nothing of the second container is attributed to the first"

# --- 3. a full ring buffer loses event details, never counts -----------------------------
# A 4 KiB buffer (about 15 events) in a pin directory of its own, nothing draining it
# during the run: the summary's counters are still exact, and what was lost is counted.
SMALL=$RW_EBPF_PIN-small
rw_on_exit "\"$RW_BPF_HELPER\" unload --force --config \"$T/small.json\" >/dev/null 2>&1 || true"
rw_ebpf_config "$(jq -n --arg p "$SMALL" '{pinDir: $p, ringbufSize: 4096}')"
cp "$RUNWARDEN_CONFIG" "$T/small.json"
B=$T/b3
rw_make_bundle "$B" /bin/probe_ebpf connects 127.0.0.1 "$P1" 500
rw_bundle_host_net "$B"
ID3=rwec3-$$
rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "$ID3"
rw_assert_contains "$RW_OUT" "ok=500 failed=0" "500 connects with a 4 KiB ring buffer"
sum=$(rw_ebpf_records ebpf-summary ".container == \"$ID3\"")
rw_assert_eq 500 "$(printf '%s' "$sum" | jq .counters.connect)" "the connect counter is exact (500)" "$sum"
lost=$(printf '%s' "$sum" | jq .counters.lost)
got=$(rw_ebpf_events ".container == \"$ID3\" and .kind == \"connect\"" | wc -l)
rw_assert_eq true "$([ "$got" -lt 500 ] && [ "$lost" -gt 0 ] && echo true || echo false)" \
	"the buffer overflowed: $got connect events kept, $lost events counted as lost"
rw_assert_eq true "$([ $((got + lost)) -ge 500 ] && echo true || echo false)" \
	"no event vanished uncounted (kept $got + lost $lost >= 500 connects)"
rw_finish
