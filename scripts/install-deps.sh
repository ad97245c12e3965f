#!/usr/bin/env bash
# Every Debian 12 package runwarden needs to build and to run its whole test suite.
# Used by the README and by .ci/run; safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

build_pkgs=(
  build-essential cmake pkg-config clang llvm
  libjansson-dev libseccomp-dev libssl-dev libaudit-dev libbpf-dev bpftool
  libcap-ng-dev libselinux1-dev libapparmor-dev libcmocka-dev libelf-dev zlib1g-dev
  librnp-dev
)
test_pkgs=(
  runc crun podman conmon containerd skopeo gnupg docker-registry
  auditd busybox-static apparmor iproute2 util-linux procps jq uidmap
  containernetworking-plugins catatonit openssl curl
  libcap2-bin python3
)

if [ "${1:-}" != "--no-update" ]; then
  apt-get update -qq
fi
apt-get install -y -qq --no-install-recommends "${build_pkgs[@]}" "${test_pkgs[@]}" >/dev/null
echo "install-deps: ok"
