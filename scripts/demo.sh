#!/usr/bin/env bash
# The main job: podman starts real containers through the installed runwarden shim.
# Shows an allowed start, a refused start (--privileged for the default "baseline" tenant),
# and the audit records of both. Uses its own podman store; the host's is never touched.
set -euo pipefail

RW=${RW:-/usr/local/bin/runwarden}
SHIM=${SHIM:-/usr/local/libexec/runwarden/crun}
D=${RW_DEMO_DIR:-/var/lib/containers/runwarden-demo}
IMAGE=localhost/runwarden-demo:latest

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root" >&2; exit 1; }
[ -x "$RW" ] && [ -e "$SHIM" ] || { echo "demo: install runwarden first (scripts/setup.sh)" >&2; exit 1; }

# crun refuses a hybrid cgroup host unless hugetlb has its v1 hierarchy.
if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] && mountpoint -q /sys/fs/cgroup/unified &&
	grep -qw hugetlb /proc/cgroups && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
	mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
fi

mkdir -p "$D"/{storage,tmp,netconf,volumes} /run/runwarden-demo
cat >"$D/containers.conf" <<CONF
[containers]
netns = "none"
# Some hosts (this CI's VM) lack CAP_SYS_RESOURCE: keep rlimits at or below the hard limit.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"
[network]
network_config_dir = "$D/netconf"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$D/events.log"
tmp_dir = "$D/tmp"
volume_path = "$D/volumes"
CONF
cat >"$D/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$D/storage"
runroot = "/run/runwarden-demo"
CONF
export CONTAINERS_CONF=$D/containers.conf CONTAINERS_STORAGE_CONF=$D/storage.conf
pm() { podman --root "$D/storage" --runroot /run/runwarden-demo --runtime "$SHIM" "$@"; }

if ! pm image exists "$IMAGE"; then
	r=$(mktemp -d)
	mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp}
	cp /bin/busybox "$r/bin/busybox"
	for a in sh echo id cat true sleep; do ln -s busybox "$r/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
	tar -C "$r" -cf "$r.tar" .
	pm import --change 'CMD ["/bin/sh"]' "$r.tar" "$IMAGE" >/dev/null
	rm -rf "$r" "$r.tar"
fi

since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "== 1. allowed: podman --runtime $SHIM run --rm $IMAGE"
pm run --rm "$IMAGE" sh -c 'echo "hello from a container started through runwarden (uid $(id -u))"'

echo
echo "== 2. refused: the same with --privileged (default tenant is at level baseline)"
if pm run --rm --privileged "$IMAGE" true; then
	echo "demo: the privileged container was NOT refused" >&2
	exit 1
fi

echo
echo "== 3. the audit records of both starts ($("$RW" audit show --help >/dev/null 2>&1; echo /var/log/runwarden/audit.jsonl))"
"$RW" audit show --since "$since" --event create
"$RW" audit show --since "$since" --event create --json | tail -n 1 | jq '{seq, time, event, container, decision, who: {uid: .who.uid, loginuid: .who.loginuid, login_user: .who.login_user, sessionid: .who.sessionid}, image}' 2>/dev/null || true
echo
echo "== 3b. what the allowed container did, seen by the kernel (eBPF; no hook process ran)"
# runwarden-audit-follow.service writes these as they happen; here, one drain
"$RW" audit drain
for ev in ebpf-attach ebpf-summary; do
	"$RW" audit show --since "$since" --event "$ev" --json |
		jq -c '{event, container: (.container | .[0:12]), cgroupId, outcome, counters}' 2>/dev/null || true
done
echo
echo "== 4. sealing and verifying the log"
seal_key=/var/lib/runwarden/audit-seal.key
if [ ! -e "$seal_key" ]; then
	# First use on this host: create the sealing key. The verification key belongs off the
	# host; the demo keeps it beside its store.
	# A verification key left by an earlier demo belongs to a key that is gone.
	[ ! -e "$D/verification.key" ] || mv "$D/verification.key" "$D/verification.key.$(date +%s)"
	"$RW" audit init --key-out "$D/verification.key"
fi
"$RW" audit seal
if [ -e "$D/verification.key" ]; then
	"$RW" audit verify --key "$D/verification.key"
else
	"$RW" audit verify # the operator holds the verification key of an existing sealing key
fi
