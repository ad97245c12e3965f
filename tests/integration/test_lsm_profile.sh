#!/bin/bash
# `runwarden profile apparmor|selinux|landlock`: what a tenant's container would get, for
# review. The AppArmor text it prints compiles with `apparmor_parser -Q -K -o FILE` (compile,
# do not load), for the default tenant and for one with file and network rules; a broken
# template is named with file:line; SELinux labels match podman's rule for a contexts file.
# Then a real start through runc: the profile is compiled into the cache once (a later dry
# run reports a cache hit), and the record says AppArmor is not enforced on this host.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require jq apparmor_parser
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"

lsm_patch() { # TEMPLATE
	jq -n --arg t "$T" --arg tmpl "$1" --arg l "$RW_BUILD_DIR/runwarden-landlock" '{lsm: {
		stateDir: ($t + "/state"),
		apparmor: {template: $tmpl, cacheDir: ($t + "/aacache")},
		selinux: {mcs: {stateDir: ($t + "/mcs")}},
		landlock: {launcher: $l, use: "never"},
		tenants: {default: {},
		          "team-a": {level: "baseline",
		                     files: {readOnly: ["/etc", "/usr"], deny: ["/srv/secret"],
		                             readWrite: ["/etc/app"]},
		                     network: ["unix", "inet", "inet6"]},
		          ops: {level: "privileged"}}}}'
}
TMPL=$RW_SRC/profiles/apparmor/containers-default.tmpl
rw_write_config "$T/runwarden.json" "$(lsm_patch "$TMPL")"

# --- AppArmor ---------------------------------------------------------------------------------
for tenant in default team-a; do
	rw_run "$RW_BIN" profile apparmor --tenant "$tenant"
	rw_assert_rc 0 "profile apparmor --tenant $tenant"
	rw_assert_contains "$RW_OUT" "# accepted by apparmor_parser" "$tenant: checked by the parser"
	rw_assert_match "$RW_OUT" "profile runwarden-$tenant-[0-9a-f]{12} flags=\(attach_disconnected,mediate_deleted\)" \
		"$tenant: content-named profile"
	rw_assert_contains "$RW_OUT" "deny mount," "$tenant: no mounts"
	rw_assert_contains "$RW_OUT" "deny @{PROC}/sysrq-trigger rwklx," "$tenant: /proc protected"
	rw_assert_contains "$RW_OUT" "deny /sys/firmware/** rwklx," "$tenant: /sys protected"
	rw_assert_match "$RW_OUT" "ptrace \(trace,read\) peer=runwarden-$tenant-" "$tenant: ptrace within"
	printf '%s\n' "$RW_OUT" >"$T/$tenant.profile"
	rw_run apparmor_parser -Q -K -o "$T/$tenant.bin" "$T/$tenant.profile"
	rw_assert_rc 0 "$tenant: apparmor_parser -Q -K -o accepts the printed profile"
	rw_check "$([ -s "$T/$tenant.bin" ]; echo $?)" "$tenant: a compiled policy was written"
done
rw_run "$RW_BIN" profile apparmor --tenant team-a
rw_assert_contains "$RW_OUT" "deny /srv/secret{,/**} mrwklx," "team-a: denied path"
rw_assert_contains "$RW_OUT" "deny /etc{,/**} wl," "team-a: read-only path"
rw_assert_contains "$RW_OUT" "network inet6," "team-a: network family"
rw_assert_not_contains "$RW_OUT" "  network," "team-a: no blanket network rule"
rw_assert_contains "$RW_OUT" "# stricter than written: apparmor: readWrite /etc/app stays read-only" \
	"team-a: what AppArmor enforces more strictly is said"
rw_assert_contains "$RW_OUT" "apparmorProfile=unconfined: refused" "team-a (baseline): unconfined refused"
rw_run "$RW_BIN" profile apparmor --tenant ops
rw_assert_contains "$RW_OUT" "apparmorProfile=unconfined: allowed" "ops (privileged): unconfined allowed"
rw_run "$RW_BIN" profile apparmor --tenant team-a --json
rw_assert_rc 0 "profile apparmor --json"
rw_assert_eq "baseline" "$(jq -r .level <<<"$RW_OUT")" "json: level"
rw_assert_contains "$(jq -r .text <<<"$RW_OUT")" "deny /srv/secret" "json: text"
rw_check "$(rw_dir_is_empty "$T/aacache"; echo $?)" "profile writes nothing (no cache entry)"

# A broken template is caught, named by file and line.
printf 'profile {{name}} {\n{{network}}\n%%if kernel >= 6\n%%endif\n{{tenant_rules}}\n}\n' >"$T/bad1.tmpl"
rw_write_config "$T/runwarden.json" "$(lsm_patch "$T/bad1.tmpl")"
rw_run "$RW_BIN" profile apparmor
rw_assert_rc 1 "broken template directive: profile fails"
rw_assert_contains "$RW_ERR" "bad1.tmpl:3: unknown condition" "broken directive named by file:line"
printf 'profile {{name}} {\n{{network}}\n  frobnicate /x rw,\n{{tenant_rules}}\n}\n' >"$T/bad2.tmpl"
rw_write_config "$T/runwarden.json" "$(lsm_patch "$T/bad2.tmpl")"
rw_run "$RW_BIN" profile apparmor
rw_assert_rc 1 "broken AppArmor syntax: profile fails"
rw_assert_contains "$RW_ERR" "apparmor_parser rejected the profile" "parser rejection reported"
rw_assert_contains "$RW_ERR" "frobnicate /x rw," "the offending line is quoted"
rw_write_config "$T/runwarden.json" "$(lsm_patch "$TMPL")"

# --- SELinux ----------------------------------------------------------------------------------
CTX=$RW_SRC/tests/data/lsm/container_contexts
rw_run "$RW_BIN" profile selinux --contexts "$CTX" --level s0:c1,c2 --json
rw_assert_rc 0 "profile selinux"
rw_assert_eq "system_u:system_r:container_t:s0:c1,c2" "$(jq -r .processLabel <<<"$RW_OUT")" \
	"selinux: process label as podman (level:s0:c1,c2)"
rw_assert_eq "system_u:object_r:container_file_t:s0:c1,c2" "$(jq -r .mountLabel <<<"$RW_OUT")" \
	"selinux: mount label as podman"
rw_assert_eq "system_u:object_r:container_file_t:s0:c1022,c1023" \
	"$(jq -r .disabledMountLabel <<<"$RW_OUT")" "selinux: label=disable mount label as podman"
rw_assert_eq "refused" "$(jq -r .labelDisable <<<"$RW_OUT")" "selinux: label=disable refused for default"
rw_run "$RW_BIN" profile selinux --contexts "$CTX" --level s0:c2,c1
rw_assert_rc 2 "selinux: a bad level is refused"

# --- Landlock ---------------------------------------------------------------------------------
rw_run "$RW_BIN" profile landlock --tenant team-a --abi 2
rw_assert_rc 0 "profile landlock"
rw_assert_contains "$RW_OUT" "/srv/secret" "landlock: rules listed"
rw_assert_contains "$RW_OUT" "ABI < 3: truncate()" "landlock: what ABI 2 cannot enforce is listed"
rw_assert_contains "$RW_OUT" "used:          never" "landlock: use=never shown"

# --- a real start through runc ------------------------------------------------------------------
B=$T/bundle
rw_make_bundle "$B" /bin/true
rw_run_in "$B" "$RW_SHIMS/runc" --root "$T/runc" run lsmprof1
rw_assert_rc 0 "runc run through runwarden with the lsm section"
rw_check "$(ls "$T/aacache"/*.bin >/dev/null 2>&1; echo $?)" "the compiled profile is in the cache"
rw_check "$(ls "$T/aacache"/*.profile >/dev/null 2>&1; echo $?)" "its source is kept beside it"
rw_run "$RW_BIN" check --bundle "$B" --json
rw_assert_rc 0 "check"
rw_assert_eq "hit" "$(jq -r .facts.lsm.apparmor.cache <<<"$RW_OUT")" "check: warm cache hit"
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
	rw_assert_eq "not enforced" "$(jq -r .facts.lsm.apparmor.status <<<"$RW_OUT")" \
		"check: AppArmor reported not enforced on this host"
	rw_assert_eq "null" "$(jq -r '.diff | map(select(.path == "/process/apparmorProfile")) | .[0]' <<<"$RW_OUT")" \
		"check: no apparmorProfile set where AppArmor is off"
fi

rw_finish
