#!/bin/bash
# Writers are SIGKILLed at random points, 60 times, while they append, seal (every 3
# records, so kills land between a seal and the key update too) and rotate (64 KiB files).
# After each crash the log either verifies or verify reports exactly the torn tail (the
# last, incomplete line); the next append cuts it and writes a recovery record naming the
# bytes it cut, after which the log, its seals and the host key state verify.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require jq
rw_host_prepare
rw_tmpdir T
audit_config '{"audit":{"sealEvery":3,"rotateBytes":65536,"linuxAudit":false}}'
audit_init
audit_tool_build

CYCLES=${RW_AUDIT_CRASH_CYCLES:-60}
torn_cycles=0
bad_cycles=0
repair_bad=0
for c in $(seq 1 "$CYCLES"); do
	pids=()
	# slow writers (records written in 48-byte pieces) make mid-record kills likely
	for w in 1 2; do
		"$AUDIT_TOOL" append "$AUDIT_LOG" "$AUDIT_KEY" 3 100000 1500 48 1500 >/dev/null 2>&1 &
		pids+=($!)
	done
	"$AUDIT_TOOL" append "$AUDIT_LOG" "$AUDIT_KEY" 3 100000 300 >/dev/null 2>&1 &
	pids+=($!)
	"$RW_BIN" audit note "crash cycle $c" >/dev/null 2>&1 &
	pids+=($!)
	sleep "0.$((RANDOM % 25 + 5))"
	kill -9 "${pids[@]}" 2>/dev/null || true
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done

	rw_run "$RW_BIN" audit verify --key "$AUDIT_VK"
	case $RW_RC in
	0) ;;
	3)
		# exactly the torn tail: the line after the last newline of the live file
		lines=$(wc -l <"$AUDIT_LOG")
		size=$(stat -c %s "$AUDIT_LOG")
		good=$(($(head -n "$lines" "$AUDIT_LOG" | wc -c)))
		want="TORN: $AUDIT_LOG:$((lines + 1)): torn tail: line $((lines + 1)) is incomplete ($((size - good)) bytes"
		if [[ "$RW_OUT" == "$want"* ]]; then
			torn_cycles=$((torn_cycles + 1))
			torn_bytes=$((size - good))
		else
			bad_cycles=$((bad_cycles + 1))
			rw_fail "cycle $c: verify reported a torn tail other than the last line" "$RW_OUT" "expected: $want"
		fi
		;;
	*)
		bad_cycles=$((bad_cycles + 1))
		rw_fail "cycle $c: verify after a crash exited $RW_RC" "$RW_OUT" "$RW_ERR"
		;;
	esac
	was=$RW_RC
	# the next append repairs
	if ! "$AUDIT_TOOL" append "$AUDIT_LOG" "$AUDIT_KEY" 3 1 200 >/dev/null 2>"$T/append.err"; then
		repair_bad=$((repair_bad + 1))
		rw_fail "cycle $c: append after the crash failed" "$(cat "$T/append.err")"
		continue
	fi
	rw_run "$RW_BIN" audit verify --key "$AUDIT_VK"
	if [ "$RW_RC" -ne 0 ]; then
		repair_bad=$((repair_bad + 1))
		rw_fail "cycle $c: the log does not verify after the repairing append" "$RW_OUT"
	elif [ "$was" -eq 3 ]; then
		cut=$(jq -r 'select(.event=="recovery") | .cut_bytes' "$AUDIT_LOG" | tail -n 1)
		if [ "$cut" != "$torn_bytes" ]; then
			repair_bad=$((repair_bad + 1))
			rw_fail "cycle $c: recovery record says $cut bytes cut, verify saw $torn_bytes"
		fi
	fi
done
rw_assert_eq 0 "$bad_cycles" "after each of $CYCLES crashes the log verified or reported exactly its torn tail"
rw_assert_eq 0 "$repair_bad" "each next append repaired the log (recovery record, verify passes)"
rw_check "$([ "$torn_cycles" -ge 5 ] && echo 0 || echo 1)" \
	"crashes tore a record in $torn_cycles of $CYCLES cycles (at least 5 needed to exercise repair)"
nrec=$(cat "$AUDIT_LOG".* "$AUDIT_LOG" 2>/dev/null | jq -r 'select(.event=="recovery") | .seq' | wc -l)
rw_check "$([ "$nrec" -ge "$torn_cycles" ] && echo 0 || echo 1)" "$nrec recovery record(s) in the log"
nfiles=$(ls "$AUDIT_LOG".[0-9]* 2>/dev/null | wc -l)
rw_check "$([ "$nfiles" -ge 1 ] && echo 0 || echo 1)" "the crashes spanned $nfiles rotation(s)"
rw_assert_eq ok "$(audit_seq_check $(ls "$AUDIT_LOG".[0-9]* | sort) "$AUDIT_LOG")" "seq has no gaps or duplicates across files"
rw_run "$RW_BIN" audit verify --key "$AUDIT_VK"
rw_assert_rc 0 "final verify with the verification key and the host key state"
rw_finish
