#!/usr/bin/env bash
# Configures and builds runwarden into ./build (and ./build-asan with ASan+UBSan when asked).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
make -C build -j"$jobs" --no-print-directory
if [ "${1:-}" = "--asan" ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRW_SANITIZE=ON >/dev/null
  make -C build-asan -j"$jobs" --no-print-directory
fi
