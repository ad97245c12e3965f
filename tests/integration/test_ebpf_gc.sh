#!/bin/bash
# The kernel binds a container when its runtime moves it into its cgroup and releases it
# with that cgroup; what it cannot finish alone, `runwarden audit drain` finishes:
#  1. a create whose runtime ended without giving the container a cgroup: one "not
#     attached" record naming the container, and the pending binding is gone;
#  2. a live container is left alone (tracked, no summary); once removed, the kernel's end
#     event gives exactly one summary and nothing stays tracked;
#  3. a container whose end event found no room in the ring buffer: one summary from its
#     counters, exact, and nothing stays tracked;
#  4. with no `audit follow`, a create that finds the ring buffer half full writes it out;
#  5. `audit follow` collects an unbound binding by itself (every 10 s);
#  6. a create that finds the pending map full collects the stale bindings itself.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
rw_require_probe probe_ebpf
T=$RW_TMP
rw_ebpf_config '{}'
tracked() { "$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq -r '[.containers[].id] | join(" ")'; }
pending() { bpftool map dump pinned "$RW_EBPF_PIN/rw_pending" -j 2>/dev/null | jq length; }

# --- 1. the runtime never made a cgroup ------------------------------------------------
B=$T/b1
rw_make_bundle "$B" /bin/true
CONF=$RUNWARDEN_CONFIG
rw_write_config_raw "$T/false.json" "$(jq '.runtimes.crun = "/bin/false"' "$CONF")"
export RUNWARDEN_CONFIG=$CONF # (rw_write_config_raw points it at the new file)
ID1=rwgc-none-$$
rw_run env RUNWARDEN_CONFIG="$T/false.json" "$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "$ID1"
rw_assert_rc 1 "a runtime that fails at once (/bin/false) is run all the same"
rw_assert_eq 1 "$(pending)" "its binding is pending in the kernel"
rw_ebpf_drain
rw_assert_eq 1 "$(pending)" "a drain leaves it alone for a grace period (a descendant may still bind it)"
sleep 2.2
rec=$(rw_ebpf_records ebpf-attach ".container == \"$ID1\"")
rw_assert_eq "not attached" "$(printf '%s' "$rec" | jq -r .outcome)" \
	"audit drain records that it was never attached" "$rec"
rw_assert_contains "$(printf '%s' "$rec" | jq -r .why)" "without moving the container into a cgroup" \
	"and says why"
rw_assert_eq 0 "$(pending)" "the pending binding is gone"
rw_assert_eq 1 "$(rw_ebpf_records ebpf-attach ".container == \"$ID1\"" | wc -l)" "a second drain adds nothing"

# --- 2. a live container, then removed ---------------------------------------------------
B=$T/b2
rw_make_bundle "$B" /bin/sleep 300
ID2=rwgc-live-$$
rw_run "$RW_SHIMS/crun" --root "$T/crun" run -d -b "$B" "$ID2"
rw_assert_rc 0 "a detached container started (crun forks twice: followed in kernel)"
rw_on_exit "'$RW_REAL_CRUN' --root '$T/crun' delete -f '$ID2' 2>/dev/null || true"
rw_assert_eq attached "$(rw_ebpf_records ebpf-attach ".container == \"$ID2\"" | jq -r .outcome)" \
	"the kernel bound it"
rw_assert_eq "$ID2" "$(tracked)" "it is tracked"
rw_assert_eq 0 "$(rw_ebpf_records ebpf-summary ".container == \"$ID2\"" | wc -l)" "a live container has no summary"
rw_run "$RW_SHIMS/crun" --root "$T/crun" delete -f "$ID2"
rw_assert_rc 0 "removed"
sum=$(rw_ebpf_records ebpf-summary ".container == \"$ID2\"")
rw_assert_eq 1 "$(printf '%s\n' "$sum" | grep -c . || true)" "one summary" "$sum"
rw_assert_contains "$(printf '%s' "$sum" | jq -r .released)" "kernel" "from the kernel's end event"
rw_assert_eq "" "$(tracked)" "nothing is tracked once the summary is written"

# --- 3. no room for the end event --------------------------------------------------------
SMALL=$RW_EBPF_PIN-small
rw_on_exit "\"$RW_BPF_HELPER\" unload --force --config \"$T/small.json\" >/dev/null 2>&1 || true"
rw_ebpf_config "$(jq -n --arg p "$SMALL" '{pinDir: $p, ringbufSize: 4096}')"
cp "$RUNWARDEN_CONFIG" "$T/small.json"
B=$T/b3
P=$(rw_ebpf_port)
rw_ebpf_listen "$P" 60
rw_make_bundle "$B" /bin/probe_ebpf connects 127.0.0.1 "$P" 300
rw_bundle_host_net "$B"
ID3=rwgc-full-$$
rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "$ID3"
rw_assert_contains "$RW_OUT" "ok=300 failed=0" "300 connects into a 4 KiB ring buffer nobody reads"
rw_assert_eq "$ID3" "$(tracked)" "its end event found no room: the kernel kept it"
sum=$(rw_ebpf_records ebpf-summary ".container == \"$ID3\"")
rw_assert_eq 1 "$(printf '%s\n' "$sum" | grep -c . || true)" "audit drain wrote one summary" "$sum"
rw_assert_eq 300 "$(printf '%s' "$sum" | jq .counters.connect)" "with the exact connect count" "$sum"
rw_assert_contains "$(printf '%s' "$sum" | jq -r .released)" "collected" "saying how it was released"
rw_assert_eq "" "$(tracked)" "nothing is tracked"
rw_assert_eq 1 "$(rw_ebpf_records ebpf-summary ".container == \"$ID3\"" | wc -l)" "a second drain adds nothing"

# --- 4. a create drains a half-full ring buffer -------------------------------------------
B=$T/b4
rw_make_bundle "$B" /bin/probe_ebpf connects 127.0.0.1 "$P" 10
rw_bundle_host_net "$B"
RW_EBPF_NO_DRAIN=1
rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "rwgc-fill-$$"
rw_assert_rc 0 "a container fills half of the 4 KiB ring buffer"
rw_assert_eq 0 "$(rw_ebpf_events ".container == \"rwgc-fill-$$\" and .kind == \"connect\"" | wc -l)" \
	"nothing has read its events yet"
B=$T/b5
rw_make_bundle "$B" /bin/true
rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "rwgc-next-$$"
rw_assert_rc 0 "the next container starts"
drained=$(jq -r "select(.event == \"run\" and .container.id == \"rwgc-next-$$\") | .facts.ebpf.binding.backlogDrained" "$RW_EBPF_LOG")
rw_assert_match "$drained" "^[1-9][0-9]*$" "its create wrote the queued events first"
rw_assert_ne 0 "$(rw_ebpf_events ".container == \"rwgc-fill-$$\" and .kind == \"connect\"" | wc -l)" \
	"the first container's connects are in the audit log, attributed"
RW_EBPF_NO_DRAIN=0

# --- 5. `audit follow` collects by itself --------------------------------------------------
"$RW_BIN" audit follow >/dev/null 2>"$T/follow.err" &
FOLLOW=$!
rw_on_exit "kill $FOLLOW 2>/dev/null || true"
rw_write_config_raw "$T/small-false.json" "$(jq '.runtimes.crun = "/bin/false"' "$T/small.json")"
export RUNWARDEN_CONFIG=$T/small.json
B=$T/b6
rw_make_bundle "$B" /bin/true
rw_run env RUNWARDEN_CONFIG="$T/small-false.json" "$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "rwgc-follow-$$"
rw_assert_rc 1 "another runtime that fails at once"
RW_EBPF_NO_DRAIN=1
unbound() { [ -n "$(rw_ebpf_records ebpf-attach ".container == \"rwgc-follow-$$\" and .outcome == \"not attached\"")" ]; }
rw_wait_for 25 unbound || true
rw_assert_eq 1 "$(rw_ebpf_records ebpf-attach ".container == \"rwgc-follow-$$\" and .outcome == \"not attached\"" | wc -l)" \
	"audit follow recorded it as not attached, without a drain"
RW_EBPF_NO_DRAIN=0
kill -TERM "$FOLLOW"
wait "$FOLLOW" 2>/dev/null || true

# --- 6. a full pending map ----------------------------------------------------------------
# 1024 bindings left by runtimes long gone (pids no process has, written a minute ago).
if [ "$(uname -m)" = x86_64 ]; then
	"$RW_PYTHON" - "$RW_EBPF_PIN-small/rw_pending" <<'PY' || rw_die "cannot fill the pending map"
import ctypes, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
SYS_BPF, OBJ_GET, UPDATE = 321, 7, 2
def bpf(cmd, attr):
    b = ctypes.create_string_buffer(attr.ljust(128, b"\0"), 128)
    r = libc.syscall(SYS_BPF, cmd, b, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), "bpf")
    return r
path = ctypes.create_string_buffer(sys.argv[1].encode())
fd = bpf(OBJ_GET, struct.pack("<QII", ctypes.addressof(path), 0, 0))
created = time.clock_gettime_ns(time.CLOCK_BOOTTIME) - 60 * 10**9
for i in range(1024):
    v = struct.pack("<Q", created) + b"\0" * (16 * 8 + 8) + struct.pack("<Q", 0)
    v += b"rwgc-full-%d" % i
    v = v.ljust(8 + 136 + 8 + 72, b"\0") + b"\0" * (4 * 6 + 64 * 48)
    key = ctypes.c_uint32(4190000 + i)
    val = ctypes.create_string_buffer(v, len(v))
    try:
        bpf(UPDATE, struct.pack("<IIQQQ", fd, 0, ctypes.addressof(key), ctypes.addressof(val), 0))
    except OSError:
        break
PY
	rw_assert_eq 1024 "$(bpftool map dump pinned "$RW_EBPF_PIN-small/rw_pending" -j | jq length)" "the pending map is full"
	B=$T/b7
	rw_make_bundle "$B" /bin/true
	rw_run "$RW_SHIMS/crun" --root "$T/crun" run -b "$B" "rwgc-room-$$"
	rw_assert_rc 0 "a container starts with the pending map full"
	rw_assert_eq attached "$(rw_ebpf_records ebpf-attach ".container == \"rwgc-room-$$\"" | jq -r .outcome)" \
		"its create made room and it was bound"
	# (a collection takes at most 256 at a time: the create took what made room, drains the rest)
	for _ in 1 2 3 4; do rw_ebpf_drain; done
	rw_assert_eq 1024 "$(rw_ebpf_records ebpf-attach '(.container | startswith("rwgc-full-")) and .outcome == "not attached"' | wc -l)" \
		"each stale binding was recorded as not attached, once"
	rw_assert_eq 0 "$(bpftool map dump pinned "$RW_EBPF_PIN-small/rw_pending" -j | jq length)" "none is left"
fi

rw_finish
