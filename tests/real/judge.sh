#!/usr/bin/env bash
# The judge by hand (tests/real/README.md): judge.sh check BOOTSTRAP FILE... |
# ready BOOTSTRAP N TIMEOUT_S | dump BOOTSTRAP DB.TABLE. Builds it first when needed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
real_build_java judge >&2 || exit 2
judge "$@"
