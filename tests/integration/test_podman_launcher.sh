#!/bin/bash
# podman (isolated: own root, runroot, containers.conf, storage.conf) with runc and with crun
# behind the runwarden shims: run --rm, run -d + exec (with and without -t), pause/unpause,
# stop, start, restart, kill, rm, --preserve-fds, socket activation (LISTEN_FDS), the
# runtime's own error for an unknown global flag, and a refusal reported through podman.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require podman conmon jq systemd-socket-activate "$RW_PYTHON"
rw_host_prepare
rw_require_probe probe_listenfds
rw_tmpdir T
rw_make_shims "$T/shims"
rw_write_config "$T/runwarden.json"
rw_podman_env "$T/podman"
IMG=localhost/rwtest:latest
rw_podman_import_image "$IMG"
PODMAN=$RW_EXE_rw_podman

status_of() {
	rw_run rw_podman inspect --format '{{.State.Status}}' "$1"
	printf '%s' "$RW_OUT"
}

# socket_activation: podman started as a socket-activated service (LISTEN_FDS=1,
# LISTEN_PID=podman's pid) hands the listening socket to the container as fd 3; the probe
# accepts one connection on it and greets the client.
socket_activation() {
	local rt=$1 sock=$T/act-$1.sock out=$T/act-$1.out
	rm -f "$sock"
	# systemd-socket-activate passes only a few variables on; name the ones podman needs.
	timeout -k 5 90 systemd-socket-activate -l "$sock" \
		-E CONTAINERS_CONF -E CONTAINERS_STORAGE_CONF -E CONTAINERS_REGISTRIES_CONF \
		-E RW_PODMAN_RUNTIME -E RUNWARDEN_CONFIG -E PATH \
		"$PODMAN" run --rm "$IMG" /bin/probe_listenfds --accept --greet "hello-$rt" \
		</dev/null >"$out" 2>&1 &
	local pid=$!
	if ! rw_wait_for 20 test -S "$sock"; then
		rw_fail "$rt socket activation: the activator did not listen"
		kill "$pid" 2>/dev/null || true
		return
	fi
	rw_run "$RW_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
s.connect(sys.argv[1])
data = b""
while True:
    chunk = s.recv(256)
    if not chunk:
        break
    data += chunk
print(data.decode().strip())' "$sock"
	local reply=$RW_OUT
	wait "$pid" 2>/dev/null
	local rc=$?
	rw_assert_eq "hello-$rt fd 3" "$reply" "$rt socket activation: the container accepted on fd 3"
	rw_assert_eq 0 "$rc" "$rt socket activation: podman run exit code"
	local shown
	shown=$(cat "$out")
	rw_assert_match "$shown" "LISTEN_FDS=1" "$rt socket activation: LISTEN_FDS=1 in the container"
	rw_assert_match "$shown" "fd 3: socket family=unix type=stream listening=1" \
		"$rt socket activation: fd 3 is the listening socket"
}

for rt in runc crun; do
	rw_podman_use_runtime "$rt"
	shim=$RW_SHIMS/$rt

	rw_run rw_podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	rw_assert_eq "$shim $shim" "$RW_OUT" "$rt: podman uses the runwarden shim"

	# run --rm, compared with the real runtime
	for case in "sh -c 'echo hi; echo oops >&2; exit 4'" "/nonexistent" "/etc/passwd"; do
		eval "set -- $case"
		rw_podman_use_runtime "/usr/bin/$rt"
		rw_run rw_podman run --rm "$IMG" "$@"
		d_rc=$RW_RC d_out=$RW_OUT
		rw_podman_use_runtime "$rt"
		rw_run rw_podman run --rm "$IMG" "$@"
		rw_assert_eq "$d_rc" "$RW_RC" "$rt run --rm $case: same exit code as $rt itself ($d_rc)"
		rw_assert_eq "$d_out" "$RW_OUT" "$rt run --rm $case: same output"
	done
	rw_run rw_podman run --rm "$IMG" sh -c 'echo hi; exit 4'
	rw_assert_eq "4/hi" "$RW_RC/$RW_OUT" "$rt run --rm: exit code and output"
	rw_run rw_podman run --rm "$IMG" /nonexistent
	rw_assert_rc 127 "$rt run --rm of a missing program exits 127"
	rw_run rw_podman ps -a -q
	rw_assert_eq "" "$RW_OUT" "$rt run --rm: nothing left behind"

	# run -d, exec with and without -t
	rw_run rw_podman run -d --name "c-$rt" "$IMG" /bin/sleep 1000
	rw_assert_rc 0 "$rt run -d"
	cid=c-$rt
	rw_assert_eq running "$(status_of "$cid")" "$rt run -d: running"
	rw_run rw_podman exec "$cid" /bin/echo exec-out
	rw_assert_eq "0/exec-out" "$RW_RC/$RW_OUT" "$rt exec: output"
	rw_run rw_podman exec "$cid" /bin/sh -c 'exit 6'
	rw_assert_rc 6 "$rt exec: exit code"
	rw_run rw_podman exec -t "$cid" /bin/sh -c 'test -t 1 && echo tty-yes'
	rw_assert_eq "0/tty-yes" "$RW_RC/$(printf '%s' "$RW_OUT" | tr -d '\r')" \
		"$rt exec -t: the process has a terminal"
	rw_run rw_podman exec "$cid" /bin/sh -c 'test -t 1 || echo tty-no'
	rw_assert_eq "0/tty-no" "$RW_RC/$RW_OUT" "$rt exec: no terminal without -t"
	rw_run rw_podman exec -d "$cid" /bin/sleep 1
	rw_assert_rc 0 "$rt exec -d"

	# pause / unpause
	rw_assert_ok "$rt pause" rw_podman pause "$cid"
	rw_assert_eq paused "$(status_of "$cid")" "$rt pause: paused"
	rw_assert_ok "$rt unpause" rw_podman unpause "$cid"
	rw_assert_eq running "$(status_of "$cid")" "$rt unpause: running"
	rw_run rw_podman exec "$cid" /bin/echo after-unpause
	rw_assert_eq after-unpause "$RW_OUT" "$rt exec after unpause"

	# stop, start, restart, kill, rm
	rw_assert_ok "$rt stop" rw_podman stop -t 1 "$cid"
	rw_assert_eq exited "$(status_of "$cid")" "$rt stop: exited"
	rw_assert_ok "$rt start" rw_podman start "$cid"
	rw_assert_eq running "$(status_of "$cid")" "$rt start: running"
	rw_run rw_podman inspect --format '{{.State.Pid}}' "$cid"
	pid_before=$RW_OUT
	rw_assert_ok "$rt restart" rw_podman restart -t 0 "$cid"
	rw_assert_eq running "$(status_of "$cid")" "$rt restart: running"
	rw_run rw_podman inspect --format '{{.State.Pid}}' "$cid"
	rw_assert_ne "$pid_before" "$RW_OUT" "$rt restart: a new container process"
	rw_assert_ok "$rt kill" rw_podman kill "$cid"
	rw_podman wait "$cid" >/dev/null 2>&1 || true
	rw_assert_eq exited "$(status_of "$cid")" "$rt kill: exited"
	rw_run rw_podman inspect --format '{{.State.ExitCode}}' "$cid"
	rw_assert_eq 137 "$RW_OUT" "$rt kill: exit code 137"
	rw_assert_ok "$rt rm" rw_podman rm "$cid"
	rw_run rw_podman ps -a -q
	rw_assert_eq "" "$RW_OUT" "$rt rm: gone"

	# --preserve-fds: fd 3 of podman reaches the container
	rw_run sh -c 'exec 3<"$0"; exec "$@"' "$T/runwarden.json" \
		"$PODMAN" run --rm --preserve-fds 1 "$IMG" /bin/probe_listenfds
	rw_assert_rc 0 "$rt run --preserve-fds 1"
	rw_assert_contains "$RW_OUT" "fd 3: reg -> $T/runwarden.json" \
		"$rt run --preserve-fds 1: fd 3 in the container"

	socket_activation "$rt"

	# An unknown global flag reaches the runtime, whose own error podman shows (exit 126).
	rw_podman_use_runtime "/usr/bin/$rt"
	rw_run rw_podman --runtime-flag invalidflag run --rm "$IMG" /bin/true
	d_rc=$RW_RC
	rw_podman_use_runtime "$rt"
	rw_run rw_podman --runtime-flag invalidflag run --rm "$IMG" /bin/true
	rw_assert_eq "$d_rc" "$RW_RC" "$rt --runtime-flag invalidflag: same exit code as $rt ($d_rc)"
	rw_assert_rc 126 "$rt --runtime-flag invalidflag: exit 126"
	rw_assert_contains "$RW_ERR" invalidflag "$rt --runtime-flag invalidflag: the runtime's error"
	rw_assert_not_contains "$RW_ERR" "runwarden:" "$rt --runtime-flag invalidflag: not runwarden's"
	rw_podman rm -a -f >/dev/null 2>&1 || true

	# A refusal reaches the user through podman (podman reads it from the runtime's --log).
	rw_run rw_podman run --rm --annotation run.oci.seccomp_bpf_data=AAAA "$IMG" /bin/true
	rw_assert_ne 0 "$RW_RC" "$rt refused annotation: podman run fails"
	rw_assert_ne 127 "$RW_RC" "$rt refused annotation: not reported as 'command not found'"
	rw_assert_contains "$RW_ERR" "runwarden: refused: " "$rt refused annotation: podman shows the refusal"
	rw_assert_contains "$RW_ERR" "run.oci.seccomp_bpf_data" "$rt refused annotation: names the field"
	rw_podman rm -a -f >/dev/null 2>&1 || true
done

rw_finish
