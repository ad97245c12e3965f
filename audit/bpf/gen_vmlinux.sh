#!/bin/sh
# Writes the vmlinux.h the BPF programs compile against.
#   gen_vmlinux.sh BPFTOOL MODE FALLBACK OUT
# MODE auto: the build machine's kernel BTF when readable, else FALLBACK; fallback: always
# FALLBACK; anything else: a path to a vmlinux.h to copy. The programs only use what
# FALLBACK declares (CO-RE relocates the rest at load time), so every mode builds the same
# behaviour; the generated header merely carries exact kernel types.
set -eu
bpftool=$1 mode=$2 fallback=$3 out=$4
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
case "$mode" in
auto)
	if [ -r /sys/kernel/btf/vmlinux ] &&
		"$bpftool" btf dump file /sys/kernel/btf/vmlinux format c >"$tmp" 2>/dev/null &&
		[ -s "$tmp" ]; then
		:
	else
		cp "$fallback" "$tmp"
	fi
	;;
fallback) cp "$fallback" "$tmp" ;;
*) cp "$mode" "$tmp" ;;
esac
# Only touch OUT when it changed, so a rebuild does not recompile the programs for nothing.
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then
	exit 0
fi
mv -f "$tmp" "$out"
