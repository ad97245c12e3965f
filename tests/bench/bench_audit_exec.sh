#!/bin/bash
# What finding the image adds to an exec record: N (default 300) `exec` calls through the
# shim on a running runc and a running crun container whose config.json carries podman's
# default seccomp profile (so runc's state.json has its real size), with RUNWARDEN_TIMING=1.
# Prints the medians of the "record: container facts" step and of the whole call up to the
# runtime's exec, for an id whose state is found ("hit") and an id with no state ("miss":
# the lookup stops at its first open), and the median of the per-iteration difference of
# the facts step between the hit and each case (the cases alternate, so load drift cancels).
# With RW_BASE_BIN=<a runwarden built without the lookup> it also prints that binary's.
# The runtime is a link named runc/crun to /bin/true, so only runwarden's part is timed.
#   RW_BIN=build/runwarden RW_BUILD_DIR=build tests/bench/bench_audit_exec.sh [-n N]
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../integration/audit_common.sh"

N=300
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	*) echo "usage: $0 [-n N]" >&2; exit 2 ;;
	esac
done

rw_require jq
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"
audit_config '{"audit":{"sealEvery":0,"linuxAudit":false}}'
REAL_CONFIG=$RUNWARDEN_CONFIG
mkdir -p "$T/fake"
ln -s /bin/true "$T/fake/runc"
ln -s /bin/true "$T/fake/crun"
rw_write_config_raw "$T/fake.json" "$(jq --arg r "$T/fake/runc" --arg c "$T/fake/crun" \
	'.runtimes = {runc: $r, crun: $c}' "$REAL_CONFIG")"
if [ -n "${RW_BASE_BIN:-}" ]; then
	mkdir -p "$T/base"
	ln -s "$RW_BASE_BIN" "$T/base/runc"
	ln -s "$RW_BASE_BIN" "$T/base/crun"
fi

B=$T/bundle
rw_make_bundle "$B" /bin/sleep 100000
rw_bundle_jq "$B" '.annotations["io.kubernetes.cri.image-name"] = "registry.example/app:1"'
if [ -f /usr/share/containers/seccomp.json ]; then
	rw_bundle_jq "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO",
		architectures: ["SCMP_ARCH_X86_64"],
		syscalls: [$p[0].syscalls[] | {names, action} + (if .args then {args} else {} end)]}' \
		--slurpfile p /usr/share/containers/seccomp.json
fi

# facts_and_total BIN-DIR RT ID: one exec; prints "<facts us> <total us>"
facts_and_total() {
	RUNWARDEN_CONFIG=$T/fake.json RUNWARDEN_TIMING=1 "$1/$2" --root "$T/root-$2" exec "$3" /bin/true \
		2>&1 >/dev/null | awk '/timing: record: container facts/ { sub(/^\+/, "", $6); f = $6 }
			/timing: exec / { sub(/^\(/, "", $6); t = $6 } END { print f, t }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

printf '%-5s %-8s %14s %14s %10s %16s\n' runtime case "facts (us)" "to exec (us)" "state (B)" "hit - case (us)"
for rt in runc crun; do
	id=bx-$rt-$$
	RUNWARDEN_CONFIG=$REAL_CONFIG "$RW_SHIMS/$rt" --root "$T/root-$rt" run -d --bundle "$B" "$id" \
		</dev/null >/dev/null 2>&1 || rw_die "$rt run -d failed"
	state=$(stat -c %s "$T/root-$rt/$id/state.json" 2>/dev/null || stat -c %s "$T/root-$rt/$id/config.json")
	cases="hit miss"
	[ -z "${RW_BASE_BIN:-}" ] || cases="$cases base"
	for c in $cases; do : >"$T/$rt-$c"; done
	for ((i = 0; i < N; i++)); do
		for c in $cases; do
			case $c in
			hit) facts_and_total "$RW_SHIMS" "$rt" "$id" ;;
			miss) facts_and_total "$RW_SHIMS" "$rt" "nosuch-$$" ;;
			base) facts_and_total "$T/base" "$rt" "$id" ;;
			esac >>"$T/$rt-$c"
		done
	done
	# the hit must have found the image, or the figures mean nothing
	facts_and_total "$RW_SHIMS" "$rt" "$id" >/dev/null
	got=$("$RW_BIN" audit show --event exec --container "$id" --json | tail -n 1 | jq -r .image.source)
	[ "$got" = runtime-state+annotation ] || rw_die "$rt: the exec record did not find the image ($got)"
	rw_pass "$rt: the timed exec records name the image (source $got)"
	for c in $cases; do
		# paired: the same iteration's hit minus this case, so load drifts cancel out
		printf '%-5s %-8s %14s %14s %10s %16s\n' "$rt" "$c" "$(cut -d' ' -f1 "$T/$rt-$c" | median)" \
			"$(cut -d' ' -f2 "$T/$rt-$c" | median)" "$state" \
			"$(paste -d' ' "$T/$rt-hit" "$T/$rt-$c" | awk '{ print $1 - $3 }' | median)"
	done
	RUNWARDEN_CONFIG=$REAL_CONFIG "/usr/bin/$rt" --root "$T/root-$rt" delete -f "$id" >/dev/null 2>&1 || true
done
rw_finish
