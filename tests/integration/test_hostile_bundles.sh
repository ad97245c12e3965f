#!/bin/bash
# Hostile bundles, process files and configs are refused before the real runtime runs:
# one stderr line starting "runwarden: refused:" (without the phrases podman maps to exit
# 126/127), a non-zero exit, no hang, the bundle byte-for-byte unchanged and nothing created
# under the runtime's --root. Strip mode removes dangerous annotations and runs the rest;
# a refusal with --log F --log-format json is appended to F the way the runtime logs.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rw_require jq mkfifo "$RW_PYTHON"
rw_host_prepare
rw_tmpdir T
rw_make_shims "$T/shims"
CFG=$T/runwarden.json
rw_write_config "$CFG"
RW_TIMEOUT=20 # a hang on a FIFO must show up as a failure, quickly

BASE=$T/base
rw_make_bundle "$BASE" /bin/echo allowed
OUTSIDE=$T/outside # a perfectly good rootfs, but not inside any bundle
rw_make_rootfs "$OUTSIDE"
N=0
declare -A DIGEST

# new_bundle NAME: a fresh copy of the base bundle (rootfs files hard-linked, which is
# cheap; no case writes to them); sets BUNDLE.
new_bundle() {
	BUNDLE=$T/bundles/$1
	mkdir -p "$BUNDLE"
	cp -a "$BASE/config.json" "$BUNDLE/"
	cp -al "$BASE/rootfs" "$BUNDLE/rootfs"
}

# expect_refused RUNTIME NAME EXPECTED-TEXT BUNDLE-DIR CMD-ARGS...: runs the shim with a
# fresh --root and CMD-ARGS, and checks the refusal contract. EXPECTED-TEXT is a substring
# the refusal must contain (the rule or the reason), so a refusal for the wrong reason fails.
expect_refused() {
	local rt=$1 name=$2 want=$3 dir=$4
	shift 4
	N=$((N + 1))
	local root=$T/roots/$N before after
	# A bundle's digest after one case is its digest before the next.
	before=${DIGEST[$dir]:-}
	[ -n "$before" ] || before=$(rw_tree_digest "$dir")
	rw_run "$RW_SHIMS/$rt" --root "$root" "$@"
	rw_assert_refused "$rt $name: refused with one clear line"
	rw_assert_contains "$RW_ERR" "$want" "$rt $name: the refusal says why ($want)"
	after=$(rw_tree_digest "$dir")
	DIGEST[$dir]=$after
	rw_assert_eq "$before" "$after" "$rt $name: bundle unchanged"
	if rw_dir_is_empty "$root"; then
		rw_pass "$rt $name: nothing created under --root"
	else
		rw_fail "$rt $name: nothing created under --root" "$(ls -laR "$root")"
	fi
}

# Control: the unmodified bundle runs, through both shims, so every refusal below is due
# to what the case changed.
for rt in runc crun; do
	rw_run "$RW_SHIMS/$rt" --root "$T/roots/control-$rt" run -b "$BASE" "hb-ok-$$"
	rw_assert_eq "0/allowed" "$RW_RC/$RW_OUT" "$rt control: the base bundle runs"
done

# --- config.json itself ---------------------------------------------------------------
new_bundle symlink
mv "$BUNDLE/config.json" "$BUNDLE/real.json"
ln -s real.json "$BUNDLE/config.json"
SYMLINK=$BUNDLE

new_bundle symlink-host
rm "$BUNDLE/config.json"
ln -s /etc/passwd "$BUNDLE/config.json"
SYMLINK_HOST=$BUNDLE

new_bundle fifo
rm "$BUNDLE/config.json"
mkfifo "$BUNDLE/config.json"
FIFO=$BUNDLE

new_bundle dir
rm "$BUNDLE/config.json"
mkdir "$BUNDLE/config.json"
DIRCFG=$BUNDLE

new_bundle oversized
"$RW_PYTHON" - "$BUNDLE/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c.setdefault("annotations", {})["org.example.pad"] = "x" * (17 * 1024 * 1024)
json.dump(c, open(p, "w"))
EOF
OVERSIZED=$BUNDLE

new_bundle oversized-cap
"$RW_PYTHON" - "$BUNDLE/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c.setdefault("annotations", {})["org.example.pad"] = "x" * 70000
json.dump(c, open(p, "w"))
EOF
OVERSIZED_CAP=$BUNDLE

new_bundle utf8
"$RW_PYTHON" - "$BUNDLE/config.json" <<'EOF'
import sys
p = sys.argv[1]
b = open(p, "rb").read()
b = b.replace(b'"hostname": "runc"', b'"hostname": "ru\xff\xfenc"', 1)
assert b"\xff" in b
open(p, "wb").write(b)
EOF
UTF8=$BUNDLE

new_bundle nested
"$RW_PYTHON" - "$BUNDLE/config.json" <<'EOF'
import sys
p = sys.argv[1]
b = open(p).read().rstrip()
assert b.endswith("}")
open(p, "w").write(b[:-1] + ', "deep": ' + "[" * 100000 + "]" * 100000 + "}\n")
EOF
NESTED=$BUNDLE

new_bundle notjson
printf '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
NOTJSON=$BUNDLE

for rt in runc crun; do
	expect_refused "$rt" "symlinked config.json" "symbolic link" "$SYMLINK" run -b "$SYMLINK" "hb-$$"
	expect_refused "$rt" "config.json -> /etc/passwd" "symbolic link" "$SYMLINK_HOST" \
		run -b "$SYMLINK_HOST" "hb-$$"
	expect_refused "$rt" "FIFO config.json" "not a regular file" "$FIFO" run -b "$FIFO" "hb-$$"
	expect_refused "$rt" "directory config.json" "config.json" "$DIRCFG" run -b "$DIRCFG" "hb-$$"
	expect_refused "$rt" "config.json over 16 MiB" "limit" "$OVERSIZED" \
		run -b "$OVERSIZED" "hb-$$"
	expect_refused "$rt" "invalid UTF-8" "invalid JSON" "$UTF8" run -b "$UTF8" "hb-$$"
	expect_refused "$rt" "100k-deep nesting" "invalid JSON" "$NESTED" run -b "$NESTED" "hb-$$"
	expect_refused "$rt" "truncated JSON" "invalid JSON" "$NOTJSON" create -b "$NOTJSON" "hb-$$"
done

# The size cap follows the config: 70 kB passes the default cap, not a 64 KiB one.
rw_run "$RW_SHIMS/crun" --root "$T/roots/cap-ok" run -b "$OVERSIZED_CAP" "hb-$$"
rw_assert_eq "0/allowed" "$RW_RC/$RW_OUT" "70 kB config.json runs under the default cap"
rw_write_config "$CFG" '{"bundle":{"maxConfigSize":65536}}'
expect_refused crun "config.json over maxConfigSize=65536" "65536" "$OVERSIZED_CAP" \
	run -b "$OVERSIZED_CAP" "hb-$$"
rw_write_config "$CFG"

# --- the bundle directory and root.path -------------------------------------------------
ln -s "$BASE" "$T/bundles/link-to-base"
for rt in runc crun; do
	expect_refused "$rt" "bundle dir is a symlink" "symbolic link" "$BASE" \
		run -b "$T/bundles/link-to-base" "hb-$$"
	# A trailing "/" or "/." makes open() follow the link: still the same link.
	expect_refused "$rt" "bundle dir is a symlink, given as link/" "symbolic link" "$BASE" \
		run -b "$T/bundles/link-to-base/" "hb-$$"
	expect_refused "$rt" "bundle dir is a symlink, given as link/." "symbolic link" "$BASE" \
		run --bundle="$T/bundles/link-to-base/." "hb-$$"
done

new_bundle dotdot
rw_bundle_jq "$BUNDLE" '.root.path = "../../outside"'
DOTDOT=$BUNDLE
new_bundle dotdot2
rw_bundle_jq "$BUNDLE" '.root.path = "rootfs/../../../outside"'
DOTDOT2=$BUNDLE
new_bundle rootlink
rm -rf "$BUNDLE/rootfs"
ln -s / "$BUNDLE/rootfs"
ROOTLINK=$BUNDLE
new_bundle rootlink-out
rm -rf "$BUNDLE/rootfs"
ln -s ../../outside "$BUNDLE/rootfs"
ROOTLINK_OUT=$BUNDLE
new_bundle abs-outside
rw_bundle_jq "$BUNDLE" '.root.path = $p' --arg p "$OUTSIDE"
ABS_OUTSIDE=$BUNDLE
new_bundle abs-inside
rw_bundle_jq "$BUNDLE" '.root.path = $p' --arg p "$BUNDLE/rootfs"
ABS_INSIDE=$BUNDLE
new_bundle host-root
rw_bundle_jq "$BUNDLE" '.root.path = "/"'
HOST_ROOT=$BUNDLE
new_bundle no-root
rw_bundle_jq "$BUNDLE" 'del(.root)'
NO_ROOT=$BUNDLE

for rt in runc crun; do
	expect_refused "$rt" "root.path ../../outside" "leaves the bundle" "$DOTDOT" run -b "$DOTDOT" "hb-$$"
	expect_refused "$rt" "root.path rootfs/../../../outside" "leaves the bundle" "$DOTDOT2" \
		run -b "$DOTDOT2" "hb-$$"
	expect_refused "$rt" "rootfs -> /" "bundle.root-path" "$ROOTLINK" run -b "$ROOTLINK" "hb-$$"
	expect_refused "$rt" "rootfs -> ../../outside" "bundle.root-path" "$ROOTLINK_OUT" \
		run -b "$ROOTLINK_OUT" "hb-$$"
	expect_refused "$rt" "root.path missing" "bundle.root-path" "$NO_ROOT" run -b "$NO_ROOT" "hb-$$"
done

# Absolute root paths: refused when not allowed, refused outside the allowed prefixes,
# the host's / refused even under an allowing prefix, accepted inside an allowed prefix.
rw_write_config "$CFG" '{"bundle":{"allowAbsoluteRootPath":false}}'
for rt in runc crun; do
	expect_refused "$rt" "absolute root.path, not allowed" "allowAbsoluteRootPath" "$ABS_INSIDE" \
		run -b "$ABS_INSIDE" "hb-$$"
done
rw_write_config "$CFG" "$(jq -n --arg p "$T/bundles" '{bundle:{absoluteRootPrefixes:[$p]}}')"
for rt in runc crun; do
	expect_refused "$rt" "absolute root.path outside the prefixes" "bundle.root-path-prefix" \
		"$ABS_OUTSIDE" run -b "$ABS_OUTSIDE" "hb-$$"
	rw_run "$RW_SHIMS/$rt" --root "$T/roots/abs-ok-$rt" run -b "$ABS_INSIDE" "hb-$$"
	rw_assert_eq "0/allowed" "$RW_RC/$RW_OUT" "$rt absolute root.path inside a prefix runs"
done
rw_write_config "$CFG" '{"bundle":{"absoluteRootPrefixes":["/"]}}'
for rt in runc crun; do
	expect_refused "$rt" "root.path / (the host)" "bundle.root-is-host" "$HOST_ROOT" \
		run -b "$HOST_ROOT" "hb-$$"
done
rw_write_config "$CFG"

# --- crun annotations and RUN_OCI_SECCOMP_RECEIVER ----------------------------------------
DANGEROUS=(run.oci.seccomp_bpf_data run.oci.seccomp.plugins run.oci.seccomp.receiver
	run.oci.hooks.stdout run.oci.hooks.stderr)
for a in "${DANGEROUS[@]}"; do
	new_bundle "annot-$a"
	rw_bundle_jq "$BUNDLE" '.annotations[$k] = $v | .annotations["org.example.keep"] = "1"' \
		--arg k "$a" --arg v "$T/hostfile-$a"
	for rt in crun runc; do
		expect_refused "$rt" "annotation $a" "annotations.dangerous" "$BUNDLE" run -b "$BUNDLE" "hb-$$"
	done
done
for rt in crun runc; do
	RUN_OCI_SECCOMP_RECEIVER=$T/receiver.sock expect_refused "$rt" "RUN_OCI_SECCOMP_RECEIVER" \
		"RUN_OCI_SECCOMP_RECEIVER" "$BASE" run -b "$BASE" "hb-$$"
done
# crun's --config/-f names the config file: the same rules apply to it.
ln -s "$BASE/config.json" "$T/bundles/cfg-link.json"
expect_refused crun "crun --config symlink" "symbolic link" "$BASE" \
	run -b "$BASE" --config "$T/bundles/cfg-link.json" "hb-$$"
cp "$T/bundles/annot-run.oci.seccomp_bpf_data/config.json" "$T/bundles/annot-f.json"
expect_refused crun "crun -f with a dangerous annotation" "annotations.dangerous" "$BASE" \
	run -b "$BASE" -f "$T/bundles/annot-f.json" "hb-$$"

# Strip mode: the annotations go, the rest of config.json and its mode/owner stay, and the
# container runs.
rw_write_config "$CFG" '{"annotations":{"dangerous":"strip"}}'
for rt in crun runc; do
	new_bundle "strip-$rt"
	rw_bundle_jq "$BUNDLE" '.annotations["run.oci.seccomp_bpf_data"] = "AAAA" |
		.annotations["run.oci.hooks.stdout"] = $f | .annotations["org.example.keep"] = "1"' \
		--arg f "$T/hostfile-strip"
	chmod 0640 "$BUNDLE/config.json"
	expected=$(jq -S 'del(.annotations["run.oci.seccomp_bpf_data"], .annotations["run.oci.hooks.stdout"])' \
		"$BUNDLE/config.json")
	rw_run "$RW_SHIMS/$rt" --root "$T/roots/strip-$rt" run -b "$BUNDLE" "hb-$$"
	rw_assert_eq "0/allowed" "$RW_RC/$RW_OUT" "$rt strip mode: the container runs"
	rw_assert_eq "$expected" "$(jq -S . "$BUNDLE/config.json")" \
		"$rt strip mode: exactly the dangerous annotations are removed"
	rw_assert_eq 640 "$(stat -c %a "$BUNDLE/config.json")" "$rt strip mode: config.json keeps its mode"
	rw_assert_eq "" "$(ls "$BUNDLE" | grep -v -e '^config.json$' -e '^rootfs$' || true)" \
		"$rt strip mode: no temporary file left in the bundle"
	rw_run env RUN_OCI_SECCOMP_RECEIVER="$T/receiver.sock" "$RW_SHIMS/$rt" \
		--root "$T/roots/strip-env-$rt" run -b "$BUNDLE" "hb-$$"
	rw_assert_eq "0/allowed" "$RW_RC/$RW_OUT" "$rt strip mode: RUN_OCI_SECCOMP_RECEIVER is dropped, not refused"
done
rw_write_config "$CFG"

# --- exec --process files ----------------------------------------------------------------
mkfifo "$T/process-fifo.json"
printf '{"args":["/bin/true"],"cwd":"/"}\n' >"$T/process-real.json"
ln -s process-real.json "$T/process-link.json"
for rt in runc crun; do
	expect_refused "$rt" "exec --process FIFO" "not a regular file" "$BASE" \
		exec --process "$T/process-fifo.json" "hb-none-$$"
	expect_refused "$rt" "exec --process symlink" "symbolic link" "$BASE" \
		exec --process "$T/process-link.json" "hb-none-$$"
done

# --- --log F --log-format json: the refusal is appended as the runtime would log it --------
LOG=$T/runtime-log.json
printf '{"msg":"earlier line","level":"info","time":"2024-01-01T00:00:00Z"}\n' >"$LOG"
expect_refused crun "refusal with --log json" "symbolic link" "$SYMLINK" \
	--log "$LOG" --log-format json run -b "$SYMLINK" "hb-$$"
stderr_line=$RW_ERR
rw_assert_eq 2 "$(wc -l <"$LOG")" "--log json: one line appended, the earlier one kept"
rw_assert_eq "earlier line" "$(head -n 1 "$LOG" | jq -r .msg)" "--log json: earlier content intact"
last=$(tail -n 1 "$LOG")
rw_assert_eq '["level","msg","time"]' "$(printf '%s' "$last" | jq -c 'keys' 2>&1)" \
	"--log json: the line is a JSON object with msg, level, time"
rw_assert_eq error "$(printf '%s' "$last" | jq -r .level)" "--log json: level error"
rw_assert_eq "$stderr_line" "$(printf '%s' "$last" | jq -r .msg)" "--log json: msg is the stderr line"
rw_assert_match "$(printf '%s' "$last" | jq -r .time)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' \
	"--log json: RFC 3339 time"
LOGR=$T/runc-log.json
expect_refused runc "refusal with runc -log json" "symbolic link" "$SYMLINK" \
	-log "$LOGR" -log-format=json run -b "$SYMLINK" "hb-$$"
rw_assert_eq "runwarden: refused:" "$(jq -r '.msg[0:19]' "$LOGR")" "runc-style -log/-log-format=json: logged"

# --- the runwarden config itself: fail closed ---------------------------------------------
rw_write_config_raw "$T/typo.json" '{"mode":"enforce","modee":"warn"}'
expect_refused crun "unknown key in runwarden.json" "modee" "$BASE" run -b "$BASE" "hb-$$"
# Even without a usable config, the engine learns why from the runtime log.
expect_refused crun "unknown key in runwarden.json, --log json" "modee" "$BASE" \
	--log "$T/cfg-log.json" --log-format json run -b "$BASE" "hb-$$"
rw_assert_eq "$RW_ERR" "$(jq -r .msg "$T/cfg-log.json" 2>&1)" "config error: logged to --log as JSON"
rw_write_config "$T/loose.json"
chmod 0664 "$T/loose.json"
expect_refused crun "group-writable runwarden.json" "writable" "$BASE" run -b "$BASE" "hb-$$"
rw_write_config_raw "$T/bad.json" '{"mode": "enforce",'
expect_refused crun "truncated runwarden.json" "invalid JSON" "$BASE" run -b "$BASE" "hb-$$"
RUNWARDEN_CONFIG=$T/missing.json expect_refused crun "missing RUNWARDEN_CONFIG file" "missing.json" \
	"$BASE" run -b "$BASE" "hb-$$"
export RUNWARDEN_CONFIG=$CFG

rw_finish
