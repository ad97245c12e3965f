# shellcheck shell=bash
# Helpers shared by the test_audit_*.sh integration tests (source after lib.sh and after
# rw_tmpdir). Everything lives under $RW_TMP: the log, the sealing key, the verification key.

# audit_config [JSON]: writes the test's runwarden.json with an audit section pointing at
# $RW_TMP (log $AUDIT_LOG, key state $AUDIT_KEY) plus JSON (deep-merged over the whole
# config, e.g. '{"audit":{"sealEvery":4},"runtimes":{"runc":"/bin/true"}}').
audit_config() {
	local extra=${1:-'{}'}
	AUDIT_LOG=$RW_TMP/log/audit.jsonl
	AUDIT_KEY=$RW_TMP/key/seal.key
	AUDIT_VK=$RW_TMP/verification.key
	rw_write_config "$RW_TMP/runwarden.json" "$(jq -n --arg l "$AUDIT_LOG" --arg k "$AUDIT_KEY" \
		--argjson x "$extra" '{audit: {log: $l, sealKey: $k}} * $x')"
}

# audit_init: `runwarden audit init`, verification key to $AUDIT_VK.
audit_init() {
	rm -f "$AUDIT_VK"
	rw_run "$RW_BIN" audit init --key-out "$AUDIT_VK"
	[ "$RW_RC" -eq 0 ] || rw_die "audit init failed: $RW_ERR"
}

# audit_tool_build: compiles tests/bench/audit_tool.c against the build's static libraries
# into $RW_TMP/audit_tool (sets AUDIT_TOOL).
audit_tool_build() {
	local b=$RW_BUILD_DIR
	rw_require cc pkg-config
	for l in audit/librw_audit.a conf/librw_conf.a common/librw_common.a; do
		[ -f "$b/$l" ] || rw_skip "needs $b/$l (build first)"
	done
	AUDIT_TOOL=$RW_TMP/audit_tool
	# shellcheck disable=SC2046
	cc -O2 -D_GNU_SOURCE -I"$RW_SRC" "$RW_SRC/tests/bench/audit_tool.c" \
		"$b/audit/librw_audit.a" "$b/conf/librw_conf.a" "$b/common/librw_common.a" \
		$(pkg-config --libs jansson) -ldl -o "$AUDIT_TOOL" ||
		rw_die "cannot build audit_tool"
}

# audit_last_record JQ-FILTER: the last record in $AUDIT_LOG that matches a jq select
# filter, compact (empty when none).
audit_last_record() {
	jq -c "select($1)" "$AUDIT_LOG" | tail -n 1
}

# audit_seq_check FILE...: prints "ok" when the seq numbers across FILEs run 1..N without
# gaps or duplicates, else a description.
audit_seq_check() {
	jq -r .seq "$@" | awk 'BEGIN{e=1} {if ($1 != e) {printf "seq %s where %d expected\n", $1, e; bad=1; exit} e++} END{if (!bad) print "ok"}'
}
