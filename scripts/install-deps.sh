#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only those missing.
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail
# tests/integration/docker_files.sh: shellcheck on the repository's scripts, YAML parsing of
# the compose file and the Kubernetes manifests
LINT_PKGS=(shellcheck python3-yaml)
# a test that runs out of time prints its processes and stacks (tests/harness.c)
DIAG_PKGS=(procps gdb)
PKGS=(build-essential binutils pkg-config clang libclang-rt-14-dev
      librdkafka-dev libavro-dev libyaml-dev libcurl4-openssl-dev libjansson-dev
      libprotobuf-c-dev protobuf-c-compiler libmicrohttpd-dev python3 python3-avro openssl
      openjdk-17-jdk-headless maven)  # the last two: the real-cluster suite (tests/real)
missing=()
for p in "${PKGS[@]}" "${LINT_PKGS[@]}" "${DIAG_PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
        echo "install-deps: missing packages (${missing[*]}); run as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
