#!/bin/bash
# Cost of eBPF auditing on a container start: N (default 30) `crun run /bin/true`
# wrapped by the runwarden shim with the shipped default config (rw_write_shipped_config),
# ebpf enabled vs ebpf disabled (`.ebpf.enabled=false`), alternating (bench_timer), after
# a first container that loads and pins the host-wide programs. Prints both medians and
# the difference: what leaving the binding for the kernel (ebpf-commit: a few bpf(2) calls,
# no hook process), the kernel's binding at the cgroup move and its release add to a start.
#   RW_BIN=build/runwarden RW_BUILD_DIR=build tests/bench/bench_ebpf_start.sh [-n N] [RUNTIME]
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

N=30
RT=crun
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	runc | crun) RT=$1; shift ;;
	*) echo "usage: $0 [-n N] [runc|crun]" >&2; exit 2 ;;
	esac
done

rw_require cc jq "/usr/bin/$RT"
[ -x "$RW_BUILD_DIR/runwarden-bpf" ] || rw_skip "runwarden-bpf was not built (RW_BPF=OFF)"
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"
rw_write_shipped_config "$T/on.json"
rw_write_config_raw "$T/off.json" "$(jq '.ebpf.enabled = false' "$T/on.json")"

TIMER=$T/bench_timer
cc -O2 -o "$TIMER" "$RW_SRC/tests/bench/bench_timer.c" || rw_die "cannot build bench_timer"

B=$T/bundle
rw_make_bundle "$B" /bin/true
# The pipeline rewrites config.json in place: every run gets its own bundle.
for p in on off; do
	for ((i = 0; i < N + 3; i++)); do
		mkdir -p "$T/bundles/$p$i"
		cp "$B/config.json" "$T/bundles/$p$i/"
		cp -al "$B/rootfs" "$T/bundles/$p$i/rootfs"
	done
done
# The first container after boot (or an upgrade) loads and pins the host-wide part.
cp "$B/config.json" "$T/first.json"
RUNWARDEN_CONFIG=$T/on.json "$T/shims/$RT" --root "$T/root-first" run -b "$B" "bfirst$$" \
	</dev/null >/dev/null 2>&1 || rw_die "a first container with the hooks failed"

out=$("$TIMER" -n "$N" -w 3 \
	:: off /usr/bin/env "RUNWARDEN_CONFIG=$T/off.json" "$T/shims/$RT" --root "$T/root-off" run -b "$T/bundles/off{}" "boff{}-$$" \
	:: on /usr/bin/env "RUNWARDEN_CONFIG=$T/on.json" "$T/shims/$RT" --root "$T/root-on" run -b "$T/bundles/on{}" "bon{}-$$") ||
	rw_die "some runs failed: $out"
field() { awk -v l="$1" -v k="$2" '$1 == l { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }'; }
off=$(field off median_ms <<<"$out")
on=$(field on median_ms <<<"$out")
offc=$(field off cpu_median_ms <<<"$out")
onc=$(field on cpu_median_ms <<<"$out")
printf '%s run /bin/true, shipped config, %d runs each (medians): ebpf off %.2f ms, on %.2f ms, eBPF adds %.2f ms wall (cpu %.2f -> %.2f ms)\n' \
	"$RT" "$N" "$off" "$on" "$(awk -v a="$on" -v b="$off" 'BEGIN { print a - b }')" "$offc" "$onc"
printf '%s\n' "$out"
RW_FINISHED=1
exit 0
