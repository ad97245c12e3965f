#!/bin/bash
# Tampering with a sealed log written by runwarden, checked with `runwarden audit verify`:
# a flipped byte, a deleted record, two swapped records, an inserted forged record, a
# mid-line truncation, a record rewritten with the chain recomputed and re-sealed with a
# forged key (and with the host's current key, stolen later), seals cut off the end (seen
# through the host's key state). Each must be reported at the right line, with the right
# kind, and a non-zero exit.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/audit_common.sh"

rw_require jq sha256sum openssl
rw_host_prepare
rw_tmpdir T
audit_config '{"audit":{"sealEvery":5,"linuxAudit":false},"runtimes":{"runc":"/bin/true","crun":"/bin/true"},"defaultRuntime":"runc"}'
audit_init
for i in $(seq 1 24); do
	"$RW_BIN" kill "ctr-$i" KILL || rw_die "kill $i failed"
done
"$RW_BIN" audit note "operator note" >/dev/null || rw_die "note failed"
"$RW_BIN" audit seal >/dev/null || rw_die "seal failed"
"$RW_BIN" kill ctr-tail KILL || rw_die "kill failed"
LOG=$T/orig.jsonl
cp "$AUDIT_LOG" "$LOG"
NL=$(wc -l <"$LOG")

rw_run "$RW_BIN" audit verify --key "$AUDIT_VK"
rw_assert_rc 0 "the untouched log verifies"
rw_assert_contains "$RW_OUT" "unsealed tail: 1 line(s)" "the unsealed tail is reported"

is_seal() { sed -n "${1}p" "$2" | grep -q '"event":"seal"'; }
# first record line (not a seal) at or after line $1
record_at() {
	local n=$1
	while is_seal "$n" "$LOG"; do n=$((n + 1)); done
	echo "$n"
}

# verify_tampered FILE KIND LINE MSG: verify FILE alone (no key state) must fail with KIND
# at FILE:LINE.
verify_tampered() {
	rw_run "$RW_BIN" audit verify --key "$AUDIT_VK" --no-state "$1"
	if [ "$RW_RC" -eq 1 ] && [[ "$RW_OUT" == "BAD: $1:$3: "* ]] && [[ "$RW_OUT" == *"$2"* ]]; then
		rw_pass "$4"
	else
		rw_fail "$4" "expected exit 1 and 'BAD: $1:$3: ...$2...'" "exit $RW_RC: $RW_OUT $RW_ERR"
	fi
}

# 1. a flipped byte in the middle of record K
K=$(record_at 12)
F=$T/flip.jsonl
cp "$LOG" "$F"
off=$(($(head -n $((K - 1)) "$LOG" | wc -c) + 150))
orig=$(dd if="$F" bs=1 skip="$off" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $((orig ^ 1)))" | dd of="$F" bs=1 seek="$off" conv=notrunc 2>/dev/null
verify_tampered "$F" "was modified" "$K" "flipped byte detected at line $K"

# 2. a deleted record
F=$T/deleted.jsonl
sed "${K}d" "$LOG" >"$F"
verify_tampered "$F" "were deleted" "$K" "deleted record detected at line $K"

# 3. two swapped records (K and the next record line)
K2=$(record_at 14)
[ "$(record_at $((K2 + 1)))" -eq $((K2 + 1)) ] || K2=$(record_at $((K2 + 2)))
F=$T/swapped.jsonl
awk -v a="$K2" 'NR==a {hold=$0; next} NR==a+1 {print; print hold; next} {print}' "$LOG" >"$F"
verify_tampered "$F" "are swapped" "$K2" "swapped records detected at line $K2"

# 4. an inserted forged record with the right seq and prev (after record K)
prev=$(sed -n "${K}p" "$LOG" | tr -d '\n' | sha256sum | cut -d' ' -f1)
seq=$(sed -n "${K}p" "$LOG" | jq .seq)
forged="{\"seq\":$((seq + 1)),\"prev\":\"$prev\",\"event\":\"create\",\"decision\":\"allowed\",\"who\":{\"loginuid\":0}}"
F=$T/inserted.jsonl
awk -v a="$K" -v f="$forged" '{print} NR==a {print f}' "$LOG" >"$F"
verify_tampered "$F" "was inserted" "$((K + 1))" "inserted forged record detected at line $((K + 1))"

# 5. truncated in the middle of a line (the rest of the file gone)
F=$T/truncated.jsonl
cut_at=$(($(head -n $((K - 1)) "$LOG" | wc -c) + 40))
head -c "$cut_at" "$LOG" >"$F"
rw_run "$RW_BIN" audit verify --key "$AUDIT_VK" --no-state "$F"
rw_assert_rc 3 "mid-line truncation: verify exits 3 (torn tail)"
rw_assert_contains "$RW_OUT" "$F:$K: torn tail: line $K is incomplete (40 bytes" "mid-line truncation detected at line $K"

# 6. record K rewritten, chain recomputed, every seal re-made with a forged key
# rechain IN OUT HEXKEY FROM: from line FROM on, recomputes every prev and re-MACs every
# seal with HEXKEY (what a forger must do after changing line FROM)
rechain() {
	local prev="" line pre mac n=0
	: >"$2"
	while IFS= read -r line; do
		n=$((n + 1))
		if [ "$n" -le "$4" ]; then
			printf '%s\n' "$line" >>"$2"
			prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
			continue
		fi
		if [ -n "$prev" ]; then
			line=$(printf '%s' "$line" | sed -E "s/^(\\{\"seq\":[0-9]+,\"prev\":\")[0-9a-f]{64}/\\1$prev/")
		fi
		if [[ "$line" == *'"event":"seal"'* ]]; then
			pre=${line%,\"mac\":*}
			mac=$(printf '%s' "$pre" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$3" | awk '{print $NF}')
			line="$pre,\"mac\":\"$mac\"}"
		fi
		printf '%s\n' "$line" >>"$2"
		prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
	done <"$1"
}
F0=$T/rewritten0.jsonl
sed "${K}s/\"ctr-[0-9]*\"/\"ctr-innocent\"/" "$LOG" >"$F0"
cmp -s "$F0" "$LOG" && rw_die "the rewrite did not change line $K"
S=$(awk -v k="$K" 'NR>k && /"event":"seal"/ {print NR; exit}' "$LOG")
F=$T/resealed-forged.jsonl
rechain "$F0" "$F" "$(openssl rand -hex 32)" "$K"
rw_run "$RW_BIN" audit verify --no-state "$F"
rw_assert_rc 0 "without the verification key a recomputed chain looks intact (expected)"
verify_tampered "$F" "bad seal" "$S" "rewritten record re-sealed with a forged key: bad seal at line $S"

# 7. the same with the host's current sealing key (root compromised after the fact)
cur=$(jq -r .key "$AUDIT_KEY")
F=$T/resealed-stolen.jsonl
rechain "$F0" "$F" "$cur" "$K"
verify_tampered "$F" "bad seal" "$S" "re-sealed with the key stolen later: bad seal at line $S"

# 8. a seal line's MAC altered
F=$T/badmac.jsonl
sed -E "${S}s/(\"mac\":\")(.)/\\1$(sed -n "${S}p" "$LOG" | grep -q '"mac":"0' && echo 1 || echo 0)/" "$LOG" >"$F"
verify_tampered "$F" "bad seal" "$S" "altered seal detected at line $S"

# 9. the sealed end cut off at a line boundary: only the host key state can tell
LAST_SEAL=$(grep -n '"event":"seal"' "$LOG" | sed -n 2p | cut -d: -f1)
head -n "$LAST_SEAL" "$LOG" >"$T/cut.jsonl"
rw_run "$RW_BIN" audit verify --key "$AUDIT_VK" --no-state "$T/cut.jsonl"
rw_assert_rc 0 "a log cut back to an earlier seal verifies on its own (documented limit)"
rw_run "$RW_BIN" audit verify --key "$AUDIT_VK" --state "$AUDIT_KEY" "$T/cut.jsonl"
rw_assert_rc 1 "with the host key state the cut is detected"
rw_assert_contains "$RW_OUT" "were cut off after seq" "the report says records and seals were cut off"
# and in place: the live log cut back, verified as the operator would (default files, state)
cp "$T/cut.jsonl" "$AUDIT_LOG"
rw_run "$RW_BIN" audit verify --key "$AUDIT_VK"
rw_assert_rc 1 "verify of the live log detects seals cut off its end"
cp "$LOG" "$AUDIT_LOG"

# 10. the key state deleted (to hide such a cut): verify refuses to call the log intact
mv "$AUDIT_KEY" "$T/key.aside"
rw_run "$RW_BIN" audit verify --key "$AUDIT_VK"
rw_assert_rc 1 "a missing sealing key state fails verify of a sealed log"
rw_assert_contains "$RW_OUT" "is missing although the log is sealed" "and says why"
mv "$T/key.aside" "$AUDIT_KEY"

# 11. the wrong verification key
openssl rand -hex 32 | sed 's/^/runwarden-audit-key:/' >"$T/other.key"
rw_run "$RW_BIN" audit verify --key "$T/other.key" --no-state "$LOG"
rw_assert_rc 1 "a wrong verification key is refused"
rw_assert_contains "$RW_OUT" "not among the given verification keys" "and named as such"

rw_run "$RW_BIN" audit verify --key "$AUDIT_VK"
rw_assert_rc 0 "the restored log verifies again"
rw_finish
