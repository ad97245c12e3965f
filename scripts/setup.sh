#!/usr/bin/env bash
# One command from a clean clone: installs the Debian packages, builds and installs
# runwarden, then runs the main job (scripts/demo.sh): a real container through runwarden
# under podman, an allowed start, a refused start, and the audit record.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cmake --install build >/dev/null
echo "installed: $(command -v runwarden) and the shims in /usr/local/libexec/runwarden/"
bash scripts/demo.sh
