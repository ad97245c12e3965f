#!/bin/bash
# 200 runwarden processes append at once (lifecycle records and full create records through
# the real binary) while `audit verify` runs alongside: seq has no gaps or duplicates, every
# record is there, seals verify, every concurrent verify saw an intact log, and each create
# record carries the SHA-256 of the config.json the runtime was handed.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require jq sha256sum
rw_host_prepare
rw_tmpdir T
# The runtime is /bin/true: this test is about the log, not the container.
audit_config '{"audit":{"sealEvery":16,"linuxAudit":false},"runtimes":{"runc":"/bin/true","crun":"/bin/true"},"defaultRuntime":"runc"}'
audit_init

N=200
for i in $(seq 1 "$N"); do
	if [ $((i % 4)) -eq 0 ]; then
		mkdir -p "$T/b$i/rootfs"
		(cd "$T/b$i" && "$RW_REAL_RUNC" spec)
	fi
done

# a reader running during the writes: every snapshot must verify (the live file's last
# line is re-read under the lock when a write is in flight)
(
	while [ ! -e "$T/stop" ]; do
		"$RW_BIN" audit verify --key "$AUDIT_VK" >>"$T/verify.out" 2>&1
		echo "rc=$?" >>"$T/verify.out"
	done
) &
READER=$!

pids=()
for i in $(seq 1 "$N"); do
	if [ $((i % 4)) -eq 0 ]; then
		"$RW_BIN" create --bundle "$T/b$i" "ctr-$i" >"$T/out.$i" 2>&1 &
	else
		"$RW_BIN" kill "ctr-$i" KILL >"$T/out.$i" 2>&1 &
	fi
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
touch "$T/stop"
wait "$READER" || true
rw_assert_eq 0 "$failed" "all $N runwarden calls succeeded"

rw_assert_eq "$((N * 3 / 4))" "$(jq -r 'select(.event=="kill") | .container.id' "$AUDIT_LOG" | sort -u | wc -l)" \
	"one kill record per call"
rw_assert_eq "$((N / 4))" "$(jq -r 'select(.event=="create") | .container.id' "$AUDIT_LOG" | sort -u | wc -l)" \
	"one create record per call"
rw_assert_eq ok "$(audit_seq_check "$AUDIT_LOG")" "seq runs 1..N without gaps or duplicates"
rw_assert_eq 0 "$(jq -r .seq "$AUDIT_LOG" | sort -n | uniq -d | wc -l)" "no duplicate seq"

rw_run "$RW_BIN" audit verify --key "$AUDIT_VK"
rw_assert_rc 0 "verify passes after $N parallel appends"
rw_assert_match "$RW_OUT" "^OK: [0-9]+ record\(s\).* [0-9]+ seal\(s\) verified" "seals were written and verified"

nverify=$(grep -c '^rc=' "$T/verify.out" || true)
nbad=$(grep '^rc=' "$T/verify.out" | grep -vc '^rc=0$' || true)
rw_check "$([ "$nverify" -gt 0 ] && echo 0 || echo 1)" "verify ran $nverify time(s) during the writes"
rw_assert_eq 0 "$nbad" "every concurrent verify saw an intact log" "$(grep -v '^OK' "$T/verify.out" | head -5)"

# the digest recorded is the digest of the config.json the runtime read
i=$((N / 4 * 4))
want=$(sha256sum "$T/b$i/config.json" | cut -d' ' -f1)
got=$(jq -r "select(.event==\"create\" and .container.id==\"ctr-$i\") | .config_sha256" "$AUDIT_LOG")
rw_assert_eq "$want" "$got" "create record names the SHA-256 of config.json as handed to the runtime"
rec=$(audit_last_record ".event==\"create\" and .container.id==\"ctr-$i\"")
rw_assert_eq '"allowed"' "$(jq -c .decision <<<"$rec")" "create record holds the decision"
rw_assert_eq "$T/b$i" "$(jq -r .bundle <<<"$rec")" "create record holds the bundle path"
rw_assert_eq '"/bin/true"' "$(jq -c .runtime.path <<<"$rec")" "create record names the real runtime"
rw_assert_contains "$(jq -c .runtime.argv <<<"$rec")" "\"ctr-$i\"" "create record holds the runtime arguments"
rw_assert_eq 0 "$(jq -c '[.who.chain[] | select(.pid == null)] | length' <<<"$rec")" "process chain entries carry pids"

rw_finish
