#!/bin/bash
# With BPF unavailable, ebpf.required decides: refuse the start (one clear line, the
# container's process never runs) or start it and record what was not attached and why.
# Two ways BPF goes missing: no helper at all (the launcher's stage sees it), and a helper
# that runs without CAP_BPF/CAP_SYS_ADMIN/CAP_PERFMON/CAP_NET_ADMIN (the launcher finds out
# when it has the helper load the host programs, before the runtime runs).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
rw_require capsh
T=$RW_TMP
B=$T/b
rw_make_bundle "$B" /bin/echo started
# A helper that runs with the BPF capabilities taken out of its bounding set.
cat >"$T/helper-nocap" <<EOF
#!/bin/sh
exec capsh --drop=cap_bpf,cap_sys_admin,cap_perfmon,cap_net_admin -- -c 'exec "\$0" "\$@"' "$RW_BPF_HELPER" "\$@"
EOF
chmod 0755 "$T/helper-nocap"
n=0
run() {
	n=$((n + 1))
	cp "$B/config.json.orig" "$B/config.json"
	rw_run "$RW_SHIMS/runc" --root "$T/runc" run -b "$B" "rwrq$n-$$"
}
cp "$B/config.json" "$B/config.json.orig"

# --- no helper: decided before the runtime runs -----------------------------------------
rw_ebpf_config '{"required": true, "helper": "/nonexistent/runwarden-bpf"}'
run
rw_assert_refused "required, helper missing: the start is refused"
rw_assert_contains "$RW_ERR" "ebpf" "required, helper missing: the refusal names the ebpf rule"
rw_assert_not_contains "$RW_OUT" "started" "required, helper missing: the process never ran"

rw_ebpf_config '{"required": false, "helper": "/nonexistent/runwarden-bpf"}'
run
rw_assert_rc 0 "not required, helper missing: the container starts"
rw_assert_contains "$RW_OUT" "started" "not required, helper missing: the process ran"
rw_assert_eq null "$(jq -c '.hooks' "$B/config.json")" "not required, helper missing: no hooks were added"

# --- helper without the capabilities: decided before the runtime runs -------------------
rw_ebpf_config "$(jq -n --arg h "$T/helper-nocap" '{required: true, helper: $h}')"
run
rw_assert_refused "required, no capabilities: the start is refused"
rw_assert_not_contains "$RW_OUT" "started" "required, no capabilities: the process never ran"
rw_assert_contains "$RW_ERR" "rule ebpf.required" "required, no capabilities: the refusal names the rule"
rec=$(jq -c "select(.event == \"run\" and .container.id == \"rwrq$n-$$\")" "$RW_EBPF_LOG")
rw_assert_eq "refused" "$(printf '%s' "$rec" | jq -r .decision)" "required, no capabilities: the record says refused" "$rec"
rw_assert_contains "$(printf '%s' "$rec" | jq -r '.facts.ebpf.binding.notAttached')" "could not load" \
	"required, no capabilities: the record says why"
rw_assert_eq null "$(jq -c '.hooks' "$B/config.json")" "required, no capabilities: the bundle is unchanged"

rw_ebpf_config "$(jq -n --arg h "$T/helper-nocap" '{required: false, helper: $h}')"
run
rw_assert_rc 0 "not required, no capabilities: the container starts"
rw_assert_contains "$RW_OUT" "started" "not required, no capabilities: the process ran"
rec=$(jq -c "select(.event == \"run\" and .container.id == \"rwrq$n-$$\")" "$RW_EBPF_LOG")
rw_assert_eq "warned" "$(printf '%s' "$rec" | jq -r .decision)" \
	"not required, no capabilities: the record says it started with a warning" "$rec"
rw_assert_contains "$(printf '%s' "$rec" | jq -r '.facts.ebpf.binding.notAttached')" "could not load" \
	"not required, no capabilities: the record says nothing was attached, and why"
rw_assert_contains "$RW_ERR" "ebpf.unavailable" "not required, no capabilities: the warning is shown"

# --- and with the capabilities, the same config attaches (the test is not vacuous) -------
rw_ebpf_config '{"required": true}'
run
rw_assert_rc 0 "required, BPF available: the container starts"
rw_assert_eq "attached" "$(rw_ebpf_records ebpf-attach ".container == \"rwrq$n-$$\"" | jq -r .outcome)" \
	"required, BPF available: attached (one record: the kernel's binding, confirmed by the hook)"
rw_assert_eq '"ebpf-create-runtime"' "$(jq -c '.hooks.createRuntime[0].args[2]' "$B/config.json")" \
	"required: a createRuntime hook confirms the binding"
rw_assert_eq null "$(jq -c '.hooks.poststop' "$B/config.json")" "and no poststop hook: the kernel releases it"

rw_finish
