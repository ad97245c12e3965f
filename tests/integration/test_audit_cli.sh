#!/bin/bash
# `runwarden audit` as an operator uses it: init (once; --force re-keys after sealing with
# the old key), seal, rotate, note, show with its filters and --json, verify across a
# re-key and a rotation, and which calls leave which records (state/list leave none).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require jq
rw_host_prepare
rw_tmpdir T
audit_config '{"audit":{"sealEvery":0,"linuxAudit":false},"runtimes":{"runc":"/bin/true","crun":"/bin/true"},"defaultRuntime":"runc"}'

rw_run "$RW_BIN" audit verify
rw_assert_rc 2 "verify without a log exits 2"
rw_run "$RW_BIN" audit seal
rw_assert_rc 1 "seal without a key says so"
rw_assert_contains "$RW_ERR" "audit init" "and names the fix"

# --key-out naming a file that exists: init stops before it makes a key, so no sealing key
# is ever left without its verification key
echo "an old verification key" >"$T/taken.key"
rw_run "$RW_BIN" audit init --key-out "$T/taken.key"
rw_assert_rc 1 "init with an existing --key-out file fails"
rw_assert_contains "$RW_ERR" "nothing was changed" "and says nothing changed"
rw_check "$([ ! -e "$AUDIT_KEY" ]; echo $?)" "no sealing key was created"
rw_assert_eq "an old verification key" "$(cat "$T/taken.key")" "the existing file is untouched"
rw_run "$RW_BIN" audit init --key-out "$T/nodir/vk"
rw_assert_rc 1 "init with --key-out in a missing directory fails"
rw_check "$([ ! -e "$AUDIT_KEY" ]; echo $?)" "still no sealing key"

rw_run "$RW_BIN" audit init
rw_assert_rc 0 "audit init"
rw_assert_match "$RW_OUT" $'runwarden-audit-key:[0-9a-f]{64}' "prints the verification key"
grep -o 'runwarden-audit-key:[0-9a-f]*' <<<"$RW_OUT" >"$T/k1"
rw_assert_eq 600 "$(stat -c %a "$AUDIT_KEY")" "the key state is mode 0600"
rw_run "$RW_BIN" audit init
rw_assert_rc 1 "a second init refuses to replace the key"
rw_assert_contains "$RW_ERR" "--force" "and names --force"

"$RW_BIN" kill a1 KILL
"$RW_BIN" kill a2 TERM
"$RW_BIN" state a1 >/dev/null
"$RW_BIN" list >/dev/null
rw_run "$RW_BIN" audit note "maintenance window" "starts now"
rw_assert_rc 0 "audit note"
rw_assert_eq 0 "$(jq -c 'select(.event=="state" or .event=="list")' "$AUDIT_LOG" | wc -l)" "state and list leave no record"
rw_assert_eq '"TERM"' "$(audit_last_record '.event=="kill"' | jq -c .signal)" "kill records the signal"
rw_assert_eq '"maintenance window starts now"' "$(audit_last_record '.event=="note"' | jq -c .text)" "the note text"

rw_run "$RW_BIN" audit seal
rw_assert_rc 0 "audit seal"
rw_assert_match "$RW_OUT" "^sealed through seq [0-9]+ with epoch 0" "reports seq and epoch"
rw_assert_not_contains "$(cat "$AUDIT_KEY")" "$(cut -d: -f2 "$T/k1")" "after a seal the host no longer holds k0"
rw_assert_eq 1 "$(jq .epoch "$AUDIT_KEY")" "the key state moved to epoch 1"
rw_run "$RW_BIN" audit seal
rw_assert_contains "$RW_OUT" "nothing to seal" "a second seal has nothing to do"

rw_run "$RW_BIN" audit rotate
rw_assert_rc 0 "audit rotate"
rw_check "$(ls "$AUDIT_LOG".[0-9]* >/dev/null 2>&1; echo $?)" "a rotated file exists"
rw_assert_eq '"rotate"' "$(head -n 1 "$AUDIT_LOG" | jq -c .event)" "the new file starts with a rotate record"

"$RW_BIN" kill a3 KILL
rw_run "$RW_BIN" audit init --force --key-out "$T/k2"
rw_assert_rc 0 "init --force re-keys"
rw_assert_eq '"init"' "$(tail -n 1 "$AUDIT_LOG" | jq -c .event)" "an init record names the new key"
rw_assert_eq '"rekey"' "$(tail -n 2 "$AUDIT_LOG" | head -n 1 | jq -c .reason)" "the old key sealed the log first"
"$RW_BIN" kill a4 KILL
"$RW_BIN" audit seal >/dev/null

rw_run "$RW_BIN" audit verify --key "$T/k1" --key "$T/k2"
rw_assert_rc 0 "verify across a rotation and a re-key with both keys"
rw_assert_match "$RW_OUT" "in 2 file\(s\).* 3 seal\(s\) verified" "all seals verified"
rw_run "$RW_BIN" audit verify --key "$T/k1"
rw_assert_rc 1 "with only the old key the new key's seals are refused"

rw_run "$RW_BIN" audit show --event kill
rw_assert_rc 0 "show --event kill"
rw_assert_eq 5 "$(wc -l <<<"$RW_OUT")" "a header and four kill rows"
rw_run "$RW_BIN" audit show --container a2 --json
rw_assert_eq a2 "$(jq -r .container.id <<<"$RW_OUT")" "show --container --json prints the record"
rw_run "$RW_BIN" audit show --since 1h --json
rw_check "$(jq -e . <<<"$RW_OUT" >/dev/null; echo $?)" "show --json prints JSON lines"
rw_assert_eq "$(cat "$AUDIT_LOG".[0-9]* "$AUDIT_LOG" | wc -l)" "$(wc -l <<<"$RW_OUT")" "--since 1h lists everything just written"
rw_run "$RW_BIN" audit show --until 2000-01-01 --json
rw_assert_eq "" "$RW_OUT" "--until 2000-01-01 lists nothing"
rw_run "$RW_BIN" audit show --since yesterday
rw_assert_rc 2 "a bad time is a usage error"
rw_finish
