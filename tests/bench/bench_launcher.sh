#!/bin/bash
# Launcher overhead: N (default 100) sequential `run` of busybox `true` through runc and
# through crun, direct and wrapped by the runwarden shims, alternating, each batch with its
# own --root; then N pass-through `state` calls, direct and wrapped. Prints per runtime the
# median direct and wrapped milliseconds, the wrapped/direct ratio and the added ms.
# Targets: run ratio <= 1.05; state within 0.5 ms. Uses the shipped conf/runwarden.json.
#   RW_BIN=build/runwarden RW_BUILD_DIR=build tests/bench/bench_launcher.sh [-n N] [--strict]
# --strict: exit 1 when a target is missed (off by default: shared machines are noisy).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

N=100
STRICT=0
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	--strict) STRICT=1; shift ;;
	*) echo "usage: $0 [-n N] [--strict]" >&2; exit 2 ;;
	esac
done

rw_require cc jq /usr/bin/runc /usr/bin/crun
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"

# The shipped config, as installed (root-owned, not group/other writable).
CFG=$T/runwarden.json
rw_write_config_raw "$CFG" "$(cat "$RW_SRC/conf/runwarden.json")"

TIMER=$T/bench_timer
cc -O2 -o "$TIMER" "$RW_SRC/tests/bench/bench_timer.c" || rw_die "cannot build bench_timer"

B=$T/bundle
rw_make_bundle "$B" /bin/true
LONG=$T/long
rw_make_bundle "$LONG" /bin/sleep 100000

field() { # LABEL KEY < timer output
	awk -v l="$1" -v k="$2" '$1 == l { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }'
}

MISSED=0
printf '\nrunwarden launcher benchmark: %d runs per cell, alternating, %s\n' "$N" "$(uname -r)"
printf 'load average at start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'config: %s (shipped conf/runwarden.json)\n\n' "$RW_SRC/conf/runwarden.json"
printf '%-22s %12s %12s %8s %10s\n' "" "direct ms" "wrapped ms" "ratio" "added ms"

for rt in runc crun; do
	out=$("$TIMER" -n "$N" -w 3 \
		:: direct "/usr/bin/$rt" --root "$T/root-$rt-direct" run -b "$B" "bd{}" \
		:: wrapped "$T/shims/$rt" --root "$T/root-$rt-wrapped" run -b "$B" "bw{}") ||
		rw_die "$rt run benchmark: some runs failed: $out"
	d=$(field direct median_ms <<<"$out")
	w=$(field wrapped median_ms <<<"$out")
	ratio=$(awk -v d="$d" -v w="$w" 'BEGIN { printf "%.3f", w / d }')
	added=$(awk -v d="$d" -v w="$w" 'BEGIN { printf "%.2f", w - d }')
	printf '%-22s %12.2f %12.2f %8s %10s\n' "$rt run /bin/true" "$d" "$w" "$ratio" "$added"
	awk -v r="$ratio" 'BEGIN { exit !(r <= 1.05) }' || MISSED=1
done

# Pass-through cost: `state` of a created container (no pipeline, one exec more).
for rt in runc crun; do
	"/usr/bin/$rt" --root "$T/root-$rt-state" create -b "$LONG" bstate </dev/null >/dev/null 2>&1 ||
		rw_die "$rt create for the state benchmark failed"
	rw_on_exit "/usr/bin/$rt --root '$T/root-$rt-state' delete -f bstate"
	out=$("$TIMER" -n "$N" -w 3 \
		:: direct "/usr/bin/$rt" --root "$T/root-$rt-state" state bstate \
		:: wrapped "$T/shims/$rt" --root "$T/root-$rt-state" state bstate) ||
		rw_die "$rt state benchmark: some calls failed"
	d=$(field direct median_ms <<<"$out")
	w=$(field wrapped median_ms <<<"$out")
	ratio=$(awk -v d="$d" -v w="$w" 'BEGIN { printf "%.3f", w / d }')
	added=$(awk -v d="$d" -v w="$w" 'BEGIN { printf "%.2f", w - d }')
	printf '%-22s %12.2f %12.2f %8s %10s\n' "$rt state (pass-through)" "$d" "$w" "$ratio" "$added"
	awk -v a="$added" 'BEGIN { exit !(a <= 0.5) }' || MISSED=1
	"/usr/bin/$rt" --root "$T/root-$rt-state" delete -f bstate >/dev/null 2>&1 || true
done

# runwarden's own cost, without a real runtime's noise: the shim mapped to /bin/true.
CFG_TRUE=$T/runwarden-true.json
rw_write_config_raw "$CFG_TRUE" "$(jq '.runtimes.runc = "/bin/true"' "$RW_SRC/conf/runwarden.json")"
out=$(RUNWARDEN_CONFIG=$CFG_TRUE "$TIMER" -n "$N" -w 3 \
	:: direct /bin/true --root "$T/x" state bstate \
	:: wrapped "$T/shims/runc" --root "$T/x" state bstate) ||
	rw_die "runwarden-only benchmark: some calls failed"
d=$(field direct median_ms <<<"$out")
w=$(field wrapped median_ms <<<"$out")
printf '%-22s %12.2f %12.2f %8s %10s\n' "/bin/true vs shim->true" "$d" "$w" \
	"$(awk -v d="$d" -v w="$w" 'BEGIN { printf "%.3f", w / d }')" \
	"$(awk -v d="$d" -v w="$w" 'BEGIN { printf "%.2f", w - d }')"
export RUNWARDEN_CONFIG=$CFG

printf '\nload average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'targets: run ratio <= 1.05, state added <= 0.5 ms: %s\n' \
	"$([ "$MISSED" -eq 0 ] && echo met || echo MISSED)"

RW_FINISHED=1
[ "$STRICT" -eq 0 ] || [ "$MISSED" -eq 0 ] || exit 1
exit 0
