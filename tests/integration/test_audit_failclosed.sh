#!/bin/bash
# Fail closed: with audit.required (the default) a container does not start when its record
# cannot be made durable; the refusal is one clear stderr line and the runtime never runs.
# `start` is refused the same way; `kill` and `delete` still work (with a warning) so a
# broken log never keeps an operator from stopping a container. With required=false the
# container starts with a warning. A broken audit section is a refusal too.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require jq chattr
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"
B=$T/bundle
rw_make_bundle "$B" /bin/true
ST=$T/state

# 1. the log's directory cannot be created (a regular file sits where it should be)
: >"$T/notadir"
rw_write_config "$T/runwarden.json" "{\"audit\":{\"log\":\"$T/notadir/audit.jsonl\",\"linuxAudit\":false}}"
rw_run "$RW_SHIMS/runc" --root "$ST" run --bundle "$B" fc1
rw_assert_refused "unwritable log: the start is refused"
rw_assert_contains "$RW_ERR" "rule audit.required" "the line names the rule"
rw_assert_contains "$RW_ERR" "$T/notadir/audit.jsonl" "the line names the log"
rw_assert_contains "$RW_ERR" "audit.required to false" "the line says how to fix it"
rw_run "$RW_REAL_RUNC" --root "$ST" state fc1
rw_assert_fails "the runtime never ran (no container fc1)" "$RW_REAL_RUNC" --root "$ST" state fc1

# 2. the log file is immutable (root cannot write it either)
audit_config '{"audit":{"linuxAudit":false}}'
rw_make_bundle "$T/sleep" /bin/sleep 100
rw_run "$RW_SHIMS/runc" --root "$ST" create --bundle "$T/sleep" fc2
rw_assert_rc 0 "with a writable log the container is created"
rw_on_exit "'$RW_REAL_RUNC' --root '$ST' delete -f fc2"
chattr +i "$AUDIT_LOG"
rw_on_exit "chattr -i '$AUDIT_LOG'"
before=$(wc -l <"$AUDIT_LOG")
rw_run "$RW_SHIMS/runc" --root "$ST" run --bundle "$B" fc3
rw_assert_refused "immutable log: the start is refused"
rw_run "$RW_SHIMS/runc" --root "$ST" start fc2
rw_assert_refused "immutable log: runc start is refused too"
rw_assert_eq created "$("$RW_REAL_RUNC" --root "$ST" state fc2 | jq -r .status)" "fc2 did not start"
rw_run "$RW_SHIMS/runc" --root "$ST" kill fc2 KILL
rw_assert_rc 0 "immutable log: kill still works"
rw_assert_contains "$RW_ERR" "runwarden: warning: audit record not written" "kill warns that it was not recorded"
rw_run "$RW_SHIMS/runc" --root "$ST" delete -f fc2
rw_assert_rc 0 "immutable log: delete still works"
rw_assert_eq "$before" "$(wc -l <"$AUDIT_LOG")" "nothing was appended"
chattr -i "$AUDIT_LOG"

# 3. required=false: the container starts, with a warning
rw_write_config "$T/runwarden.json" "{\"audit\":{\"log\":\"$T/notadir/audit.jsonl\",\"required\":false,\"linuxAudit\":false}}"
rw_run "$RW_SHIMS/runc" --root "$ST" run --bundle "$B" fc4
rw_assert_rc 0 "required=false: the container starts"
rw_assert_contains "$RW_ERR" "runwarden: warning: audit record not written" "with a warning"
"$RW_REAL_RUNC" --root "$ST" delete -f fc4 >/dev/null 2>&1 || true

# 4. a broken audit section refuses the start rather than silently not auditing
rw_write_config "$T/runwarden.json" '{"audit":{"requierd":false}}'
rw_run "$RW_SHIMS/runc" --root "$ST" run --bundle "$B" fc5
rw_assert_refused "a typo in the audit section refuses the start"
rw_assert_contains "$RW_ERR" "requierd" "the line names the bad key"

# 5. a symlink planted at the log path is not followed
audit_config '{"audit":{"linuxAudit":false}}'
rm -f "$AUDIT_LOG"
ln -s "$T/elsewhere" "$AUDIT_LOG"
rw_run "$RW_SHIMS/runc" --root "$ST" run --bundle "$B" fc6
rw_assert_refused "a symlink at the log path refuses the start"
rw_check "$([ ! -e "$T/elsewhere" ] && echo 0 || echo 1)" "the symlink target was not created"
rw_finish
