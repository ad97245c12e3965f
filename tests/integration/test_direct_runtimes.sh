#!/bin/bash
# runc and crun called through the runwarden shims behave exactly as when called directly:
# same exit codes, same stdout and stderr, for run, the create/start/state/exec/kill/delete
# lifecycle, pass-through commands, stdin, preserved fds and socket-activation fds.
# Each scenario runs first against the real runtime, then against the shim, with the same
# container id and bundle but separate --root dirs; the root path is normalised away.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require jq
rw_host_prepare
rw_require_probe probe_listenfds
rw_tmpdir T
rw_make_shims "$T/shims"
rw_write_config "$T/runwarden.json"

B=$T/bundle
rw_make_bundle "$B" /bin/sh -c 'echo out; echo err >&2; exit 3'
LONG=$T/long
rw_make_bundle "$LONG" /bin/sleep 1000
CAT=$T/cat
rw_make_bundle "$CAT" /bin/cat
FDS=$T/fds
rw_make_bundle "$FDS" /bin/probe_listenfds
SIG=$T/sig
rw_make_bundle "$SIG" /bin/sh -c '/bin/sh -c "kill -9 \$\$"; exit $?'
BUNDLE_DIGEST=$(rw_tree_digest "$B")

declare -A R
ID=rwd$$
ROOT=

# Replaces what legitimately differs between the two runs: the state root, runc's log
# timestamps, pipe inode numbers and rw_run's temporary output files.
normalize() {
	local s=$1
	s=${s//"$ROOT"/ROOT}
	printf '%s' "$s" | sed -E -e 's/time="[^"]*"/time="T"/g' -e 's/pipe:\[[0-9]+\]/pipe:[N]/g' \
		-e 's#/rw-(out|err)\.[A-Za-z0-9]+#/rw-\1.X#g'
}

# record MODE STEP CMD...: runs CMD and stores its normalised result under MODE/STEP.
record() {
	local mode=$1 step=$2
	shift 2
	rw_run "$@"
	R["$mode/$step/rc"]=$RW_RC
	R["$mode/$step/out"]=$(normalize "$RW_OUT")
	R["$mode/$step/err"]=$(normalize "$RW_ERR")
}

# record_state MODE STEP RUNTIME...: `state ID`, keeping the JSON minus pid and time.
record_state() {
	local mode=$1 step=$2
	shift 2
	rw_run "$@" state "$ID"
	R["$mode/$step/rc"]=$RW_RC
	if [ "$RW_RC" -eq 0 ]; then
		R["$mode/$step/out"]=$(normalize "$(printf '%s' "$RW_OUT" | jq -S 'del(.pid, .created)')")
	else
		R["$mode/$step/out"]=$(normalize "$RW_OUT")
	fi
	R["$mode/$step/err"]=$(normalize "$RW_ERR")
	R["$mode/$step/status"]=$(printf '%s' "$RW_OUT" | jq -r '.status' 2>/dev/null || echo none)
}

wait_stopped() {
	local i
	for i in $(seq 100); do
		rw_run "$@" state "$ID"
		[ "$(printf '%s' "$RW_OUT" | jq -r .status 2>/dev/null)" != stopped ] || return 0
		sleep 0.05
	done
}

# The scenario; "$@" is the runtime command with its --root.
scenario() {
	local m=$1
	shift
	# run, with the bundle given in the spellings the callers use
	record "$m" run "$@" run -b "$B" "$ID"
	record "$m" run-bundle-eq "$@" run --bundle="$B" "$ID"
	if [[ "$1" == *runc ]]; then
		record "$m" run-single-dash "$@" run -bundle "$B" "$ID"
	fi
	local here=$PWD
	cd "$B" || rw_die "cannot cd to $B"
	record "$m" run-cwd "$@" run "$ID"
	cd "$here" || rw_die "cannot cd to $here"
	record "$m" run-signal "$@" run -b "$SIG" "$ID"

	# stdin reaches the container untouched (runwarden never reads it)
	record "$m" run-stdin sh -c 'printf "from-stdin\n" | exec "$@"' sh "$@" run -b "$CAT" "$ID"

	# preserved fds and socket activation: LISTEN_PID must equal the runtime's pid, which
	# holds only if runwarden execs in place
	record "$m" preserve-fds sh -c 'exec 3<"$0"; exec "$@"' "$B/config.json" \
		"$@" run --preserve-fds 1 -b "$FDS" "$ID"
	record "$m" listen-fds sh -c 'exec 3<"$0"; LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"' \
		"$B/config.json" "$@" run -b "$FDS" "$ID"

	# lifecycle
	record "$m" create "$@" create -b "$LONG" "$ID"
	record_state "$m" state-created "$@"
	record "$m" start "$@" start "$ID"
	record_state "$m" state-running "$@"
	record "$m" exec "$@" exec "$ID" /bin/echo exec-out
	record "$m" exec-rc "$@" exec "$ID" /bin/sh -c 'echo to-err >&2; exit 7'
	record "$m" exec-missing "$@" exec "$ID" /nonexistent
	printf '{"args":["/bin/sh","-c","echo from-process-json; exit 4"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}\n' \
		>"$T/process.json"
	record "$m" exec-process "$@" exec --process "$T/process.json" "$ID"
	record "$m" exec-detach "$@" exec -d "$ID" /bin/sleep 1
	record "$m" list "$@" list -q
	record "$m" kill "$@" kill "$ID" KILL
	wait_stopped "$@"
	record_state "$m" state-stopped "$@"
	record "$m" exec-stopped "$@" exec "$ID" /bin/true
	record "$m" delete "$@" delete "$ID"
	record_state "$m" state-deleted "$@"
	record "$m" kill-deleted "$@" kill "$ID" KILL
	record "$m" delete-deleted "$@" delete "$ID"

	# delete --force on a running container
	record "$m" create2 "$@" create -b "$LONG" "$ID"
	record "$m" start2 "$@" start "$ID"
	record "$m" delete-force "$@" delete --force "$ID"
	record "$m" list-empty "$@" list

	# pass-through commands
	record "$m" version "$@" --version
	record "$m" unknown-cmd "$@" frobnicate "$ID"
	record "$m" features "$@" features
	record "$m" state-missing "$@" state nosuchcontainer
	mkdir -p "$T/spec-$m"
	cd "$T/spec-$m" || rw_die "cannot cd to $T/spec-$m"
	record "$m" spec "$@" spec
	R["$m/spec/file"]=$(cat config.json 2>/dev/null || echo none)
	cd "$here" || rw_die "cannot cd to $here"
}

STEPS=(run run-bundle-eq run-single-dash run-cwd run-signal run-stdin preserve-fds listen-fds
	create state-created start state-running exec exec-rc exec-missing exec-process
	exec-detach list kill state-stopped exec-stopped delete state-deleted kill-deleted
	delete-deleted create2 start2 delete-force list-empty unknown-cmd features state-missing
	spec)

for rt in runc crun; do
	real=/usr/bin/$rt
	ROOT=$T/root-$rt-direct
	scenario direct "$real" --root "$ROOT"
	ROOT=$T/root-$rt-wrapped
	scenario wrapped "$T/shims/$rt" --root "$ROOT"

	for s in "${STEPS[@]}"; do
		[ -n "${R[direct/$s/rc]+x}" ] || continue
		rw_assert_eq "${R[direct/$s/rc]}" "${R[wrapped/$s/rc]}" "$rt $s: same exit code"
		rw_assert_eq "${R[direct/$s/out]}" "${R[wrapped/$s/out]}" "$rt $s: same stdout"
		rw_assert_eq "${R[direct/$s/err]}" "${R[wrapped/$s/err]}" "$rt $s: same stderr"
	done

	# The comparisons above would also pass if both sides were broken the same way; pin the
	# facts the scenario is about.
	rw_assert_eq 3 "${R[wrapped/run/rc]}" "$rt run: the container's exit code"
	rw_assert_eq out "${R[wrapped/run/out]}" "$rt run: the container's stdout"
	rw_assert_eq err "${R[wrapped/run/err]}" "$rt run: the container's stderr"
	rw_assert_eq 137 "${R[wrapped/run-signal/rc]}" "$rt run: a signal death is 128+9"
	rw_assert_eq from-stdin "${R[wrapped/run-stdin/out]}" "$rt run: stdin reaches the container"
	rw_assert_match "${R[wrapped/preserve-fds/out]}" "fd 3: reg -> $B/config.json" \
		"$rt run --preserve-fds 1: fd 3 reaches the container"
	# runc passes LISTEN_FDS on only when LISTEN_PID is its own pid: this fails if runwarden
	# forks instead of exec'ing in place. crun ignores LISTEN_PID and does not set the variable.
	if [ "$rt" = runc ]; then
		rw_assert_match "${R[wrapped/listen-fds/out]}" "LISTEN_FDS=1.*fd 3: reg -> $B/config.json" \
			"$rt run with LISTEN_FDS/LISTEN_PID: fd 3 reaches the container (exec in place)"
	else
		rw_assert_match "${R[wrapped/listen-fds/out]}" "fd 3: reg -> $B/config.json" \
			"$rt run with LISTEN_FDS: fd 3 reaches the container"
	fi
	rw_assert_eq created "${R[wrapped/state-created/status]}" "$rt state after create"
	rw_assert_eq running "${R[wrapped/state-running/status]}" "$rt state after start"
	rw_assert_eq stopped "${R[wrapped/state-stopped/status]}" "$rt state after kill"
	rw_assert_eq exec-out "${R[wrapped/exec/out]}" "$rt exec: output"
	rw_assert_eq 7 "${R[wrapped/exec-rc/rc]}" "$rt exec: exit code"
	rw_assert_eq 4 "${R[wrapped/exec-process/rc]}" "$rt exec --process: exit code"
	rw_assert_eq from-process-json "${R[wrapped/exec-process/out]}" "$rt exec --process: output"
	rw_assert_eq "$ID" "${R[wrapped/list/out]}" "$rt list -q shows the container"
	rw_assert_ne 0 "${R[wrapped/state-deleted/rc]}" "$rt state after delete fails"
	rw_assert_eq 0 "${R[wrapped/delete-force/rc]}" "$rt delete --force"
	rw_assert_ne none "${R[wrapped/spec/file]}" "$rt spec wrote config.json"
	rw_assert_eq "${R[direct/spec/file]}" "${R[wrapped/spec/file]}" "$rt spec: same config.json"

	# --version: the real runtime's output unchanged first, then one runwarden line.
	rw_run "$real" --version
	direct_version=$RW_OUT
	rw_run "$T/shims/$rt" --version
	rw_assert_rc 0 "$rt --version through the shim exits 0"
	rw_assert_eq "$direct_version" "$(printf '%s\n' "$RW_OUT" | head -n -1)" \
		"$rt --version: the runtime's own output comes first, unchanged"
	rw_assert_match "$(printf '%s\n' "$RW_OUT" | tail -n 1)" "^runwarden version .*$real" \
		"$rt --version: then one runwarden line"
done

# `runwarden run` without a shim wraps the default runtime (crun in the test config).
ROOT=$T/root-default
rw_run /usr/bin/crun --root "$T/root-default" run -b "$B" "$ID"
d_rc=$RW_RC d_out=$RW_OUT d_err=$RW_ERR
rw_run "$RW_BIN" --root "$T/root-default" run -b "$B" "$ID"
rw_assert_eq "$d_rc/$d_out/$d_err" "$RW_RC/$RW_OUT/$RW_ERR" \
	"runwarden run (default runtime crun) equals crun run"

# Nothing above was allowed to touch the bundle.
rw_assert_eq "$BUNDLE_DIGEST" "$(rw_tree_digest "$B")" "the allowed bundle is unchanged"

rw_finish
