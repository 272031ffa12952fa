#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK: Debian's Chromium for the browser tests
# (accessibility and screenshots of the error pages; Playwright's own browser download is never used) and Debian's
# redis-server for the stale-if-error tests (each test run starts its own on a free loopback port; the service the
# package would start is not used), and a Japanese and a Chinese font (IPA Gothic, WenQuanYi Micro Hei), without
# which Chromium draws the Japanese and Simplified Chinese pages of the screenshots as empty boxes (Arabic is covered by
# the DejaVu fonts Chromium brings).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
dpkg -s fonts-ipafont-gothic >/dev/null 2>&1 || missing+=(fonts-ipafont-gothic)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  echo "ci: installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
chromium --version
redis-server --version
