#!/bin/bash
# runwarden's BPF interpreter against the kernel, and runwarden's filter against the one crun
# builds itself.
#  1. For the default profile (binary-tree filter and libseccomp's default shape) and for a
#     profile using KILL, KILL_PROCESS, TRAP and ERRNO, `runwarden seccomp test` gives the
#     decision the kernel takes for a process that installed the filter (probe_seccomp), on
#     every x86_64 syscall number, x32 numbers, and argument-dependent cases.
#  2. crun compiles the default profile for a container (plain crun, no runwarden): the
#     program the kernel holds (PTRACE_SECCOMP_GET_FILTER) is byte-identical to runwarden's
#     --no-optimize build and decides exactly as runwarden's optimised one.
#  3. Through the runwarden crun shim (mode require), the container runs the exact program
#     runwarden handed over (run.oci.seccomp_bpf_data), with the same /proc status (seccomp
#     mode, filter count, no_new_privs, speculation) as the crun-compiled one.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require jq /usr/bin/crun base64 cmp
rw_host_prepare
rw_require_probe probe_seccomp
PROBE=$RW_BUILD_DIR/tests/probes/probe_seccomp
rw_tmpdir T
PROFILE=$RW_SRC/profiles/seccomp/default.json
CAPS=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID CAP_KILL CAP_NET_BIND_SERVICE CAP_SETFCAP
	CAP_SETGID CAP_SETPCAP CAP_SETUID CAP_SYS_CHROOT)
CAPARGS=()
for c in "${CAPS[@]}"; do CAPARGS+=(--cap "$c"); done

# libseccomp stays off the pass-through path: the binary does not link it.
if command -v readelf >/dev/null; then
	needed=$(readelf -d "$RW_BIN" | awk '/NEEDED/ {print $NF}' | tr '\n' ' ')
	rw_assert_not_contains "$needed" libseccomp "runwarden does not link libseccomp (NEEDED: $needed)"
fi

rw_assert_ok "compile the default profile (binary tree)" \
	"$RW_BIN" seccomp compile "$PROFILE" "${CAPARGS[@]}" -o "$T/tree.bpf"
rw_assert_ok "compile the default profile (libseccomp's default shape, as crun)" \
	"$RW_BIN" seccomp compile "$PROFILE" "${CAPARGS[@]}" --no-optimize -o "$T/plain.bpf"
cat >"$T/actions.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
 "syscalls": [
  {"names": ["swapon"], "action": "SCMP_ACT_KILL"},
  {"names": ["swapoff"], "action": "SCMP_ACT_KILL_PROCESS"},
  {"names": ["reboot"], "action": "SCMP_ACT_TRAP"},
  {"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77},
  {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 3,
   "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_GT"}, {"index": 1, "value": 4, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}]}]}
EOF
rw_assert_ok "compile an OCI section with KILL, TRAP and ERRNO actions" \
	"$RW_BIN" seccomp compile --oci "$T/actions.json" -o "$T/actions.bpf"

# The cases: every x86_64 number, x32 numbers, i386, and argument-dependent calls.
CASES=()
# Linux >= 6.11 runs uretprobe (335) and uprobe (336) without consulting seccomp at all (they
# only work from the uprobe trampoline): no filter decides them, so they are not compared.
for ((nr = 0; nr <= 470; nr++)); do
	[ "$nr" -eq 335 ] || [ "$nr" -eq 336 ] || CASES+=("x86_64:$nr")
done
CASES+=(x86_64:999 x86_64:1023 x86_64:135:0 x86_64:135:8 x86_64:135:9 x86_64:135:131072
	x86_64:135:131080 x86_64:135:4294967295 x86_64:135:9,4 x86_64:135:9,5 x86_64:135:9,0
	x86_64:41:16,3,9 x86_64:41:16,3,4 x86_64:41:2,1,0 x86_64:56:17 x86_64:56:268435456)
for nr in 0 1 2 3 39 59 60 110 135 165 167 168 231 512 513 520 545 547; do CASES+=("x32:$nr"); done
for nr in 1 20 64 122 136 252 359 1000; do CASES+=("i386:$nr"); done

# interp FILE: runwarden's verdicts for every case (`seccomp test --batch`), in the probe's
# vocabulary: "CASE VERDICT" lines.
interp() {
	printf '%s\n' "${CASES[@]}" | "$RW_BIN" seccomp test --bpf "$1" --batch |
		awk '{ v = $2; sub(/ .*/, "", v)
		       if (v ~ /^(ALLOW|LOG|TRACE|USER_NOTIF)/) v = "ALLOW"
		       else if (v ~ /^KILL/) v = "KILL"
		       else if (v ~ /^TRAP/) v = "TRAP"
		       print $1, v }'
}

for f in tree plain actions; do
	rw_run "$PROBE" load "$T/$f.bpf" 4 "${CASES[@]}"
	[ "$RW_RC" -eq 0 ] || rw_die "probe_seccomp load $f: $RW_ERR"
	kernel=$RW_OUT
	mism=() checked=0 skipped=0
	declare -A mine=()
	while read -r c v; do mine[$c]=$v; done < <(interp "$T/$f.bpf")
	while read -r c verdict; do
		if [ "$verdict" = NOABI ]; then
			skipped=$((skipped + 1))
			continue
		fi
		checked=$((checked + 1))
		[ "${mine[$c]:-missing}" == "$verdict" ] ||
			mism+=("$c: kernel $verdict, runwarden seccomp test ${mine[$c]:-missing}")
	done <<<"$kernel"
	unset mine
	if [ ${#mism[@]} -eq 0 ] && [ "$checked" -gt 480 ]; then
		rw_pass "$f: seccomp test agrees with the kernel on $checked calls ($skipped i386 calls skipped: no IA32 emulation)"
	else
		rw_fail "$f: seccomp test disagrees with the kernel (${#mism[@]} of $checked)" "${mism[@]:0:10}"
	fi
	if [ "$f" = actions ]; then
		rw_assert_contains "$kernel" "x86_64:167 KILL" "actions: swapon is killed by the kernel"
		rw_assert_contains "$kernel" "x86_64:168 KILL" "actions: swapoff is killed (KILL_PROCESS)"
		rw_assert_contains "$kernel" "x86_64:169 TRAP" "actions: reboot traps"
		rw_assert_contains "$kernel" "x86_64:170 ERRNO(77)" "actions: sethostname gets errno 77"
		rw_assert_contains "$kernel" "x86_64:135:9,4 ERRNO(3)" "actions: AND of GT and MASKED_EQ"
		rw_assert_contains "$kernel" "x86_64:135:9,0 ALLOW" "actions: AND needs both conditions"
	else
		rw_assert_contains "$kernel" "x86_64:167 ERRNO(1)" "$f: swapon EPERM in the kernel"
		rw_assert_contains "$kernel" "x86_64:999 ERRNO(38)" "$f: unknown syscall ENOSYS in the kernel"
		rw_assert_contains "$kernel" "x86_64:41:16,3,9 ERRNO(22)" "$f: audit netlink socket EINVAL"
	fi
done

# --- crun's own filter vs runwarden's -----------------------------------------------
B=$T/bundle
rw_make_bundle "$B" /bin/sleep 300
caps_json=$(rw_json_array "${CAPS[@]}")
rw_run "$RW_BIN" seccomp resolve "$PROFILE" "${CAPARGS[@]}"
[ "$RW_RC" -eq 0 ] || rw_die "resolve: $RW_ERR"
resolved=$RW_OUT
rw_bundle_jq "$B" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c} |
	.linux.seccomp = $s' --argjson c "$caps_json" --argjson s "$resolved"
cp "$B/config.json" "$T/config-crun.json"

# run_detached ID RUNTIME BUNDLE: starts the container, removed at exit; sets PID. (Not in
# a $(...): a cleanup registered in a subshell is lost with it, and the container stays.)
run_detached() {
	rw_run "$2" run -d --pid-file "$T/$1.pid" -b "$3" "$1"
	[ "$RW_RC" -eq 0 ] || rw_die "$2 run -d $1: $RW_ERR"
	rw_on_exit "/usr/bin/crun delete -f $1 >/dev/null 2>&1 || true"
	PID=$(cat "$T/$1.pid")
}
status_of() {
	grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs|Speculation_Store_Bypass):' "/proc/$1/status"
}

id1=rwsk-crun-$$
run_detached "$id1" /usr/bin/crun "$B"
pid1=$PID
rw_assert_ok "dump the filter crun compiled and loaded" "$PROBE" dump "$pid1" "$T/crun.bpf"
status1=$(status_of "$pid1")
rw_run cmp "$T/crun.bpf" "$T/plain.bpf"
rw_assert_rc 0 "crun's in-kernel program is byte-identical to runwarden's --no-optimize build"
rw_run "$RW_BIN" seccomp equiv "$T/crun.bpf" "$T/tree.bpf"
rw_assert_rc 0 "runwarden's binary-tree filter decides exactly as crun's ($RW_OUT)"
rw_assert_match "$RW_OUT" "^equivalent: [0-9]+ seccomp_data" "equiv reports what it checked"
/usr/bin/crun delete -f "$id1" >/dev/null 2>&1 || true

# Through the runwarden shim: no seccomp in the bundle, mode require.
rw_make_shims "$T/shims"
rw_write_config "$T/rw.json" "$(jq -n --arg p "$PROFILE" --arg c "$T/cache" \
	'{seccomp: {mode: "require", profile: $p, cacheDir: $c}}')"
B2=$T/bundle2
rw_make_bundle "$B2" /bin/sleep 300
rw_bundle_jq "$B2" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
	--argjson c "$caps_json"
id2=rwsk-rw-$$
run_detached "$id2" "$RW_SHIMS/crun" "$B2"
pid2=$PID
rw_assert_ok "dump the filter of the container started through runwarden" \
	"$PROBE" dump "$pid2" "$T/handed.bpf"
jq -r '.annotations["run.oci.seccomp_bpf_data"]' "$B2/config.json" | base64 -d >"$T/annotation.bpf"
rw_run cmp "$T/handed.bpf" "$T/annotation.bpf"
rw_assert_rc 0 "the kernel holds exactly the program runwarden handed to crun"
rw_run cmp "$T/handed.bpf" "$T/tree.bpf"
rw_assert_rc 0 "...which is runwarden's binary-tree build of the site profile"
rw_assert_eq "$(jq -S .linux.seccomp "$T/config-crun.json")" "$(jq -S .linux.seccomp "$B2/config.json")" \
	"the linux.seccomp runwarden wrote is the one crun compiled in the plain run"
rw_run "$RW_BIN" seccomp equiv "$T/crun.bpf" "$T/handed.bpf"
rw_assert_rc 0 "the handed-over filter decides exactly as the one crun built"
status2=$(status_of "$pid2")
rw_assert_eq "$status1" "$status2" "same seccomp mode, filter count, no_new_privs and SSB state as crun's own"
rw_assert_contains "$status2" "Seccomp_filters:	1" "one filter (crun did not add its own)"
ls "$T/cache"/*.bpf >/dev/null 2>&1
rw_check $? "the compiled filter is in runwarden's cache"

rw_finish
