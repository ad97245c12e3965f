#!/bin/bash
# eBPF exec tracking: a program exec'd inside a podman container and a `podman exec` each
# give an exec event for that container, with the starter's login uid; a host process and
# another container's processes are never attributed to it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/ebpf_common.sh"

rw_ebpf_setup
rw_require podman conmon
rw_require_probe probe_ebpf
T=$RW_TMP
rw_ebpf_config '{}'
rw_podman_env "$T/podman"
rw_podman_import_image localhost/rwebpf:1

# Distinct program names, so each exec can be told apart in the log.
marker() { printf '/bin/rwmark-%s-%s' "$1" "$$"; }
M_RUN=$(marker run)
M_EXEC=$(marker exec)
M_OTHER=$(marker other)

# A: execs M_RUN itself, then sleeps; started by login uid 6161.
rw_run rw_as_login 6161 "$RW_PODMAN_DIR/podman" run -d --name rwea-$$ localhost/rwebpf:1 \
	/bin/sh -c "cp /bin/probe_ebpf $M_RUN && cp /bin/probe_ebpf $M_EXEC && $M_RUN write /dev/null x && exec sleep 300"
rw_assert_rc 0 "podman run -d with the hooks"
A=$RW_OUT
# B: another container, execs M_OTHER.
rw_run rw_as_login 6262 "$RW_PODMAN_DIR/podman" run -d --name rweb-$$ localhost/rwebpf:1 \
	/bin/sh -c "cp /bin/probe_ebpf $M_OTHER && $M_OTHER write /dev/null x && exec sleep 300"
rw_assert_rc 0 "a second container"
B=$RW_OUT

has_exec() { [ -n "$(rw_ebpf_events ".kind == \"exec\" and .filename == \"$1\"")" ]; }
RW_EBPF_NO_DRAIN=1 # the events stay in the ring buffer for `audit follow` below
rw_run rw_as_login 6363 "$RW_PODMAN_DIR/podman" exec "$A" "$M_EXEC" write /dev/null x
rw_assert_rc 0 "podman exec"
# A host process running a program of the same name and a host process in no container.
mkdir -p "$T/host/bin"
cp "$RW_BUILD_DIR/tests/probes/probe_ebpf" "$T/host$M_EXEC"
"$T/host$M_EXEC" write /dev/null x >/dev/null

# A process in a child cgroup of the container (as systemd or a nested engine inside it
# would make) counts as the container.
M_CHILD=$T/host$(marker child)
cp "$RW_BUILD_DIR/tests/probes/probe_ebpf" "$M_CHILD"
rw_run rw_podman inspect -f '{{.State.Pid}}' "$A"
cg=$(sed -n 's/^0:://p' "/proc/$RW_OUT/cgroup")
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then mnt=/sys/fs/cgroup; else mnt=/sys/fs/cgroup/unified; fi
mkdir "$mnt$cg/rwchild"
rw_on_exit "rmdir '$mnt$cg/rwchild' 2>/dev/null || true"
sh -c "echo \$\$ >'$mnt$cg/rwchild/cgroup.procs' && exec '$M_CHILD' write /dev/null x" >/dev/null
rmdir "$mnt$cg/rwchild"

# The events are in the ring buffer until something drains it: `audit follow` for a moment.
"$RW_BIN" audit follow --json >"$T/follow.out" 2>"$T/follow.err" &
FOLLOW=$!
rw_on_exit "kill $FOLLOW 2>/dev/null || true"
rw_wait_for 20 has_exec "$M_EXEC" || true
kill -TERM "$FOLLOW"
wait "$FOLLOW" 2>/dev/null || true
RW_EBPF_NO_DRAIN=0

ev=$(rw_ebpf_events ".kind == \"exec\" and .filename == \"$M_RUN\"")
rw_assert_eq "$A 6161" "$(printf '%s\n' "$ev" | head -1 | jq -r '"\(.container) \(.loginuid)"')" \
	"an exec inside the container is attributed to it, with the starter's login uid" "$ev"
ev=$(rw_ebpf_events ".kind == \"exec\" and .filename == \"$M_EXEC\"")
rw_assert_eq 1 "$(printf '%s\n' "$ev" | grep -c . || true)" \
	"the podman exec gives one exec event (the host run of the same path gives none)" "$ev"
rw_assert_eq "$A 6363" "$(printf '%s\n' "$ev" | jq -r '"\(.container) \(.loginuid)"')" \
	"the podman exec is attributed to the container and to the exec's caller" "$ev"
ev=$(rw_ebpf_events ".kind == \"exec\" and .filename == \"$M_OTHER\"")
rw_assert_eq "$B" "$(printf '%s\n' "$ev" | head -1 | jq -r .container)" \
	"the other container's exec is attributed to the other container" "$ev"
rw_assert_eq 0 "$(rw_ebpf_events ".container == \"$A\" and (.filename == \"$M_OTHER\" or .loginuid == 6262)" | wc -l)" \
	"nothing of the other container is attributed to the first"
ev=$(rw_ebpf_events ".kind == \"exec\" and .filename == \"$M_CHILD\"")
rw_assert_eq "$A true" "$(printf '%s\n' "$ev" | head -1 | jq -r '"\(.container) \(.taskCgroupId != .cgroupId)"')" \
	"an exec in a child cgroup of the container is attributed to the container" "$ev"
rw_assert_eq 0 "$(rw_ebpf_events "((.filename | startswith(\"$T\")) and .filename != \"$M_CHILD\") or (.container == null)" | wc -l)" \
	"no host process is attributed to any container"
rw_assert_contains "$(cat "$T/follow.out")" "\"filename\":\"$M_EXEC\"" "audit follow --json printed the events it recorded"
rw_assert_contains "$(cat "$T/follow.err")" "events recorded" "audit follow reports what it recorded when stopped"

# Stopping the containers releases them: summaries with exact exec counts.
rw_run rw_podman rm -f -t 0 "$A" "$B"
rw_assert_rc 0 "podman rm -f"
rw_wait_for 20 test -n "$(rw_ebpf_records ebpf-summary ".container == \"$A\"")" || true
sum=$(rw_ebpf_records ebpf-summary ".container == \"$A\"")
rw_assert_eq "true" "$(printf '%s' "$sum" | jq '.counters.exec >= 4')" \
	"the summary of the first container counts its execs (run, cp, marker, podman exec)" "$sum"
rw_assert_eq 0 "$("$RW_BPF_HELPER" status --config "$RUNWARDEN_CONFIG" | jq '.containers | length')" \
	"no container is tracked after both were removed"

rw_finish
