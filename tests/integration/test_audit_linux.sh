#!/bin/bash
# The Linux audit trail: with an `auditd -n` started by the test (its own config and log
# file), starting, exec'ing into and refusing containers through runwarden from a shell
# with login uid 4242 leaves AUDIT_VIRT_CONTROL records that `ausearch -m VIRT_CONTROL -i`
# finds, with op=start|exec|refuse, the container id, and the starter's login uid in an
# explicit field. Skips (77) when the kernel refuses audit or another auditd owns it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require jq auditd auditctl ausearch flock
rw_host_prepare
auditctl -s >/dev/null 2>&1 || rw_skip "the kernel refuses audit requests (auditctl -s failed)"
[ -w /proc/self/loginuid ] || rw_skip "no /proc/self/loginuid"
rw_tmpdir T
rw_make_shims "$T/shims"
audit_config '{"audit":{"linuxAudit":true}}'

# One test auditd at a time on this host.
exec {LOCKFD}>/run/lock/runwarden-test-auditd.lock
flock -w 600 "$LOCKFD" || rw_skip "another test holds the auditd lock"
pid=$(auditctl -s | awk '$1=="pid" {print $2}')
[ "${pid:-0}" -eq 0 ] || rw_skip "an audit daemon (pid $pid) already owns the kernel audit log"
was_enabled=$(auditctl -s | awk '$1=="enabled" {print $2}')

# With kernel auditing off the message would be dropped: the record says so instead.
B0=$T/bundle0
rw_make_bundle "$B0" /bin/true
if [ "${was_enabled:-0}" = 0 ]; then
	rw_run "$RW_SHIMS/runc" --root "$T/state" run --bundle "$B0" "rw-la0-$$"
	rw_assert_rc 0 "container started while kernel auditing is off"
	rw_assert_eq '{"sent":false,"error":"kernel auditing is disabled"}' \
		"$(audit_last_record ".container.id==\"rw-la0-$$\"" | jq -c .linux_audit)" \
		"the JSON record says the kernel message was not sent, and why"
fi

mkdir -p "$T/auditd/plugins.d"
sed -e "s|^log_file = .*|log_file = $T/auditd/audit.log|" \
	-e "s|^plugin_dir = .*|plugin_dir = $T/auditd/plugins.d|" \
	-e "s|^log_group = .*|log_group = root|" \
	-e "s|^use_libwrap = .*|use_libwrap = no|" \
	-e "s|^flush = .*|flush = SYNC|" /etc/audit/auditd.conf >"$T/auditd/auditd.conf"
chmod 0600 "$T/auditd/auditd.conf"
auditd -n -c "$T/auditd" >"$T/auditd/stdout" 2>&1 &
AUDITD=$!
rw_on_exit "kill $AUDITD 2>/dev/null; wait $AUDITD 2>/dev/null; auditctl -e ${was_enabled:-0} >/dev/null 2>&1"
if ! rw_wait_for 20 sh -c "auditctl -s | grep -qx 'pid $AUDITD'"; then
	rw_skip "auditd -n could not register with the kernel: $(tail -n 3 "$T/auditd/stdout" | tr '\n' ' ')"
fi

AUID=4242
as_login() {
	(
		echo "$AUID" >/proc/self/loginuid || exit 99
		exec "$@"
	)
}

B=$T/bundle
rw_make_bundle "$B" /bin/sleep 300
ID=rw-la-$$
rw_run as_login "$RW_SHIMS/runc" --root "$T/state" create --bundle "$B" "$ID"
rw_assert_rc 0 "container created through runwarden from login uid $AUID"
rw_run as_login "$RW_SHIMS/runc" --root "$T/state" start "$ID"
rw_assert_rc 0 "container started"
rw_run as_login "$RW_SHIMS/runc" --root "$T/state" exec "$ID" /bin/true
rw_assert_rc 0 "exec through runwarden"
"$RW_REAL_RUNC" --root "$T/state" kill "$ID" KILL >/dev/null 2>&1 || true
rw_on_exit "'$RW_REAL_RUNC' --root '$T/state' delete -f '$ID'"

R=$T/refused
rw_make_bundle "$R" /bin/true
rw_bundle_jq "$R" '.annotations["run.oci.hooks.stdout"] = "/tmp/x"'
rw_run as_login "$RW_SHIMS/runc" --root "$T/state" run --bundle "$R" "$ID-refused"
rw_assert_refused "a container with a dangerous annotation is refused"

rec=$(audit_last_record ".event==\"create\" and .container.id==\"$ID\"")
rw_assert_eq true "$(jq .linux_audit.sent <<<"$rec")" "the JSON record says the kernel audit message was sent"

found() {
	ausearch -if "$T/auditd/audit.log" -m VIRT_CONTROL -i 2>/dev/null | grep -F -- "$1" | grep -F -- "$2"
}
for op in start exec refuse; do
	id=$ID
	[ "$op" != refuse ] || id=$ID-refused
	if rw_wait_for 10 found "op=$op " "uuid=\"$id\""; then
		line=$(found "op=$op " "uuid=\"$id\"" | tail -n 1)
		rw_pass "ausearch -m VIRT_CONTROL -i finds op=$op for $id"
		rw_assert_contains "$line" "starter-auid=$AUID" "op=$op names the starter's login uid $AUID"
		rw_assert_match "$line" "starter-ses=[0-9]+ " "op=$op names the starter's audit session"
		rw_assert_contains "$line" "virt=runwarden" "op=$op in libvirt's style (virt=runwarden)"
	else
		rw_fail "ausearch -m VIRT_CONTROL -i finds op=$op for $id" \
			"$(ausearch -if "$T/auditd/audit.log" -m VIRT_CONTROL -i 2>&1 | grep -F "$ID" | tail -n 5 || true)"
	fi
done
line=$(found "op=refuse " "uuid=\"$ID-refused\"" | tail -n 1 || true)
rw_assert_contains "$line" 'rule="annotations.dangerous"' "the refusal names the rule"
rw_assert_contains "$line" "res=failed" "the refusal is a failed result"
rw_finish
