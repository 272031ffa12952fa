#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK: Debian's Chromium for the browser tests
# (accessibility and screenshots of the error pages). Playwright's own browser download is never used.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  echo "ci: installing chromium from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
chromium --version
