#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, builds twice (normal and
# ASan+UBSan), runs the unit tests under the sanitizers, then every test (unit, fuzz corpus
# replay, integration with real runc/crun/podman/containerd) on the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh --asan

echo "== unit tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit --output-on-failure

echo "== all tests"
ctest --test-dir build --output-on-failure
