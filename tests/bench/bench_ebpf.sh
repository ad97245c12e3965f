#!/bin/bash
# Benchmark of eBPF auditing, inside a runc container on the host network namespace:
#   1. RW_BENCH_CONNECTS loopback TCP connects and RW_BENCH_EXECS fork+execs in three arms,
#      their order rotated each round for RW_BENCH_ROUNDS rounds: "off" (runwarden's
#      programs not loaded at all), "host" (loaded and linked at the cgroup v2 root, the
#      container not tracked: what every process of the host pays) and "on" (the container
#      tracked); medians, the ratio of the medians, and the median of the per-round ratios
#      against "off" (each round's arms ran back to back, so slow drifts of the machine
#      cancel out); the target (<= 1.05 each, "on" against "off") is judged on the
#      per-round ratios;
#   2. container start (runc run /bin/true) with and without the hooks;
#   3. events lost with `runwarden audit follow` running: connects and sysctl reads at the
#      highest rate this machine produces, and sysctl reads paced at 50,000/s (target:
#      nothing lost below 50,000 events/s).
# Usage: RW_BIN=build/runwarden RW_BUILD_DIR=build bash tests/bench/bench_ebpf.sh
# Prints a table, then "N passed, N failed" for the targets.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../integration/ebpf_common.sh"

RW_TEST_NAME=bench_ebpf
CONNECTS=${RW_BENCH_CONNECTS:-20000}
EXECS=${RW_BENCH_EXECS:-1000}
ROUNDS=${RW_BENCH_ROUNDS:-15}
STARTS=${RW_BENCH_STARTS:-10}
RATE_READS=${RW_BENCH_RATE_READS:-200000}
RW_TIMEOUT=${RW_BENCH_TIMEOUT:-1800}

rw_ebpf_setup
rw_require_probe probe_ebpf
T=$RW_TMP
PORT=$(rw_ebpf_port)
rw_ebpf_listen "$PORT" 7200

# Per-program cost, independent of how busy the host is: the kernel's BPF run-time stats.
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null || true
rw_on_exit "sysctl -qw kernel.bpf_stats_enabled=$STATS_WAS"

B=$T/b
rw_make_bundle "$B" /bin/sh -c "probe_ebpf connects 127.0.0.1 $PORT $CONNECTS; probe_ebpf execs $EXECS /bin/true"
rw_bundle_host_net "$B"
cp "$B/config.json" "$T/config.orig"
n=0

rw_ebpf_config '{}'
cp "$RUNWARDEN_CONFIG" "$T/on.json"
# run_workload on|host|off: one container run; sets RES="CONNECT_NS EXEC_NS".
run_workload() {
	case $1 in
	on) rw_ebpf_config '{}' ;;
	host)
		"$RW_BPF_HELPER" load --config "$T/on.json" || rw_die "runwarden-bpf load failed"
		rw_ebpf_config '{"enabled": false}'
		;;
	*)
		rw_ebpf_drain
		"$RW_BPF_HELPER" unload --force --config "$T/on.json" || rw_die "runwarden-bpf unload failed"
		rw_ebpf_config '{"enabled": false}'
		;;
	esac
	cp "$T/config.orig" "$B/config.json"
	n=$((n + 1))
	rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "rwbench$n-$$"
	[ "$RW_RC" -eq 0 ] || rw_die "workload container failed ($1): $RW_ERR"
	local c e
	c=$(printf '%s\n' "$RW_OUT" | sed -n 's/^connects .* failed=0 .* ns=\([0-9]*\)$/\1/p')
	e=$(printf '%s\n' "$RW_OUT" | sed -n 's/^execs .* failed=0 ns=\([0-9]*\)$/\1/p')
	[ -n "$c" ] && [ -n "$e" ] || rw_die "workload output unexpected ($1): $RW_OUT"
	RES="$c $e"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }

echo "== 1. $CONNECTS connects + $EXECS execs in a container, $ROUNDS rounds, order rotated"
: >"$T/on"
: >"$T/off"
: >"$T/host"
orders=("off host on" "on off host" "host on off")
for r in $(seq 1 "$ROUNDS"); do
	order=${orders[$((r % 3))]}
	for m in $order; do
		run_workload "$m"
		res=$RES
		echo "$res" >>"$T/$m"
		printf '  round %d %-3s connect %6.2f us/op   exec %7.1f us/op\n' "$r" "$m" \
			"$(awk -v v="${res% *}" -v n="$CONNECTS" 'BEGIN {print v / n / 1000}')" \
			"$(awk -v v="${res#* }" -v n="$EXECS" 'BEGIN {print v / n / 1000}')"
	done
done
con_off=$(cut -d' ' -f1 "$T/off" | median)
con_on=$(cut -d' ' -f1 "$T/on" | median)
con_host=$(cut -d' ' -f1 "$T/host" | median)
exe_off=$(cut -d' ' -f2 "$T/off" | median)
exe_on=$(cut -d' ' -f2 "$T/on" | median)
exe_host=$(cut -d' ' -f2 "$T/host" | median)
# per-round ratios: line r of ARM against line r of "off"
paired() { # ARM COLUMN
	paste -d' ' <(cut -d' ' -f"$2" "$T/$1") <(cut -d' ' -f"$2" "$T/off") |
		awk '{ printf "%.6f\n", $1 / $2 }' | median
}
rc_med=$(ratio "$con_on" "$con_off")
re_med=$(ratio "$exe_on" "$exe_off")
rc=$(awk -v v="$(paired on 1)" 'BEGIN {printf "%.3f", v}')
re=$(awk -v v="$(paired on 2)" 'BEGIN {printf "%.3f", v}')
hc=$(awk -v v="$(paired host 1)" 'BEGIN {printf "%.3f", v}')
he=$(awk -v v="$(paired host 2)" 'BEGIN {printf "%.3f", v}')
us() { awk -v v="$1" -v n="$2" 'BEGIN {printf "%.2f", v/n/1000}'; }
printf '  %-10s %12s %12s %12s | %-22s %-22s\n' "" "off" "host" "on" "on/off: med.ratio,ratio" \
	"host/off: med.ratio"
printf '  %-10s %9s us %9s us %9s us | %10s %10s      %10s\n' connect "$(us "$con_off" "$CONNECTS")" \
	"$(us "$con_host" "$CONNECTS")" "$(us "$con_on" "$CONNECTS")" "$rc" "$rc_med" "$hc"
printf '  %-10s %9s us %9s us %9s us | %10s %10s      %10s\n' exec "$(us "$exe_off" "$EXECS")" \
	"$(us "$exe_host" "$EXECS")" "$(us "$exe_on" "$EXECS")" "$re" "$re_med" "$he"
awk -v r="$rc" 'BEGIN {exit !(r <= 1.05)}' && rw_pass "connect ratio $rc <= 1.05" || rw_fail "connect ratio $rc > 1.05"
awk -v r="$re" 'BEGIN {exit !(r <= 1.05)}' && rw_pass "exec ratio $re <= 1.05" || rw_fail "exec ratio $re > 1.05"

# prog_cost NAME: "runs ns/run" of a pinned program of this benchmark's pin directory.
prog_cost() {
	local id
	if [ -e "$RW_EBPF_PIN/$1" ]; then
		id=$(bpftool prog show pinned "$RW_EBPF_PIN/$1" -j | jq .id)
	else
		id=$(bpftool link show pinned "$RW_EBPF_PIN/$2" -j | jq .prog_id)
	fi
	bpftool prog show id "$id" -j | jq -r '"\(.run_cnt // 0) \(if (.run_cnt // 0) > 0 then ((.run_time_ns / .run_cnt) | floor) else 0 end)"'
}
run_workload on # the programs' run-time statistics count from their last load
echo "  BPF run time per call (kernel.bpf_stats_enabled), over the runs since the last load:"
for p in rw_connect4:- rw_sock_create:- rw_exec:exec_link rw_dev:- rw_cap_capable:cap_link; do
	set -- $(prog_cost "${p%%:*}" "${p#*:}")
	printf '    %-16s %10s runs %6s ns/run\n' "${p%%:*}" "$1" "$2"
	[ "${p%%:*}" != rw_connect4 ] || CONNECT_NS=$2
	[ "${p%%:*}" != rw_exec ] || EXEC_NS=$2
	[ "${p%%:*}" != rw_sock_create ] || SOCK_NS=$2
done
CONNECT_NS=$((CONNECT_NS + SOCK_NS)) # socket() and connect() each run a program
printf '  hook cost per operation: connect %s ns of %.0f ns (%.2f%%), exec %s ns of %.0f ns (%.3f%%)\n' \
	"$CONNECT_NS" "$(awk -v v="$con_off" -v n="$CONNECTS" 'BEGIN {print v/n}')" \
	"$(awk -v a="$CONNECT_NS" -v v="$con_off" -v n="$CONNECTS" 'BEGIN {print 100*a/(v/n)}')" \
	"$EXEC_NS" "$(awk -v v="$exe_off" -v n="$EXECS" 'BEGIN {print v/n}')" \
	"$(awk -v a="$EXEC_NS" -v v="$exe_off" -v n="$EXECS" 'BEGIN {print 100*a/(v/n)}')"

echo "== 2. container start (runc run /bin/true), $STARTS each"
S=$T/s
rw_make_bundle "$S" /bin/true
cp "$S/config.json" "$T/s.orig"
for m in off on; do
	if [ "$m" = on ]; then rw_ebpf_config '{}'; else rw_ebpf_config '{"enabled": false}'; fi
	: >"$T/start-$m"
	for i in $(seq 1 "$STARTS"); do
		cp "$T/s.orig" "$S/config.json"
		n=$((n + 1))
		t0=$(date +%s%N)
		rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$S" "rwbench$n-$$"
		echo $(($(date +%s%N) - t0)) >>"$T/start-$m"
	done
done
so=$(median <"$T/start-off")
sn=$(median <"$T/start-on")
printf '  start: %.1f ms without eBPF, %.1f ms with (+%.1f ms: binding left for the kernel, bound and released by it)\n' \
	"$(awk -v v="$so" 'BEGIN {print v/1e6}')" "$(awk -v v="$sn" 'BEGIN {print v/1e6}')" \
	"$(awk -v a="$sn" -v b="$so" 'BEGIN {print (a-b)/1e6}')"

echo "== 3. events lost with audit follow running"
rw_ebpf_config '{}'
"$RW_BIN" audit follow >/dev/null 2>"$T/follow.err" &
FOLLOW=$!
rw_on_exit "kill $FOLLOW 2>/dev/null || true"
sleep 1
# lost_run NAME COUNT CMD...: one container running CMD; prints the rate and the loss.
lost_run() {
	local name=$1 count=$2 sum ns L
	L=$T/l-${name// /-}
	shift 2
	rw_make_bundle "$L" "$@"
	rw_bundle_host_net "$L"
	n=$((n + 1))
	rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$L" "rwbl$n-$$"
	ns=$(printf '%s\n' "$RW_OUT" | sed -n 's/.* ns=\([0-9]*\)$/\1/p' | head -1)
	rw_wait_for 30 test -n "$(rw_ebpf_records ebpf-summary ".container == \"rwbl$n-$$\"")" || true
	sum=$(rw_ebpf_records ebpf-summary ".container == \"rwbl$n-$$\"")
	LOST=$(printf '%s' "$sum" | jq '.counters.lost')
	RATE=$(awk -v c="$count" -v ns="$ns" 'BEGIN {printf "%d", c / (ns / 1e9)}')
	RECORDED=$(rw_ebpf_events ".container == \"rwbl$n-$$\"" | wc -l)
	printf '  %-26s %8d events/s  lost %d (operations counted %d, recorded so far %d)\n' "$name" "$RATE" "$LOST" \
		"$(printf '%s' "$sum" | jq '[.counters | to_entries[] | select(.key != "refused" and .key != "lost") | .value] | add')" \
		"$RECORDED"
}
lost_run "connects, max rate" "$CONNECTS" /bin/probe_ebpf connects 127.0.0.1 "$PORT" "$CONNECTS"
lost_run "sysctl reads, max rate" "$RATE_READS" /bin/probe_ebpf reads /proc/sys/kernel/hostname "$RATE_READS"
MAXRATE=$RATE
lost_run "sysctl reads, 50000/s" 250000 /bin/probe_ebpf reads /proc/sys/kernel/hostname 250000 50000
if [ "$RATE" -lt 45000 ]; then
	echo "  (this machine reached only $RATE events/s when paced at 50,000/s)"
fi
rw_assert_eq 0 "$LOST" "nothing lost at $RATE events/s (paced at 50,000/s) with follow running"
kill -TERM "$FOLLOW"
wait "$FOLLOW" 2>/dev/null || true
echo "  follow: $(tail -1 "$T/follow.err")"
echo "  highest rate produced: $MAXRATE events/s"
rw_finish
