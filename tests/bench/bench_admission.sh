#!/bin/bash
# Admission cost per container start with a 200-rule site policy, next to a one-tenant
# policy: JSON text of the section, its typed parse, and tenant match + every rule (with
# mutations) on a podman-like spec. Prints medians and p95 in microseconds and the ratio
# of the 200-rule total to the target.
# Target: 200-rule policy <= 300 us per start.
#   RW_BIN=build/runwarden RW_BUILD_DIR=build tests/bench/bench_admission.sh [-n N] [--strict]
# --strict: exit 1 when the target is missed (off by default: shared machines are noisy).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

N=2000
STRICT=0
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	--strict) STRICT=1; shift ;;
	*) echo "usage: $0 [-n N] [--strict]" >&2; exit 2 ;;
	esac
done

rw_require cc
rw_tmpdir T
B=$T/bench_admission
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$RW_SRC" -o "$B" "$RW_SRC/tests/bench/bench_admission.c" \
	"$RW_BUILD_DIR/policy/librw_policy.a" "$RW_BUILD_DIR/conf/librw_conf.a" \
	"$RW_BUILD_DIR/common/librw_common.a" -ljansson || rw_die "cannot build bench_admission"

out=$("$B" "$N" "$RW_SRC/tests/data/admission/base_spec.json") || rw_die "bench failed"
val() { # LABEL KEY
	awk -v l="$1" -v k="$2" '$1 == l { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }' <<<"$out"
}

printf '\nrunwarden admission benchmark (%s, %d starts each, load %s)\n' "$(uname -r)" "$N" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'site policy: %s rules, %s bytes of JSON\n\n' "$(val policy-rules count)" \
	"$(val policy-rules bytes)"
printf '%-34s %14s %14s %10s\n' "median us (p95)" "1 tenant" "200 rules" "ratio"
for part in json typed evaluate total cpu; do
	s=$(val "small-$part" median_us) b=$(val "site200-$part" median_us)
	printf '%-34s %14s %14s %10s\n' "$part" "$s ($(val "small-$part" p95_us))" \
		"$b ($(val "site200-$part" p95_us))" "$(awk -v a="$b" -v c="$s" 'BEGIN { printf "%.2f", (c > 0 ? a / c : 0) }')"
done
total=$(val site200-total median_us)
printf '\n200-rule policy per start: %s us wall (%s us CPU), target 300 us, ratio %s\n' \
	"$total" "$(val site200-cpu median_us)" "$(awk -v a="$total" 'BEGIN { printf "%.2f", a / 300 }')"
if [ "$STRICT" = 1 ] && awk -v a="$total" 'BEGIN { exit !(a > 300) }'; then
	rw_fail "200-rule admission policy: $total us per start, target 300 us"
else
	rw_pass "admission benchmark ran"
fi
rw_finish
