#!/usr/bin/env bash
# `make test`'s system tools: promtool (alert rules and metrics checks) and Debian's
# Chromium (the review console in a real browser). Installed with apt-get where that is
# possible without asking (running as root, as in CI and containers); anywhere else the
# test run goes on, and its last lines list every check it skipped with the command that
# enables it. HERALD_TEST_INSTALL=0 installs nothing.
set -uo pipefail
PACKAGES=(prometheus chromium chromium-driver fonts-wqy-microhei)

[[ "${HERALD_TEST_INSTALL:-1}" == "0" ]] && exit 0
command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 || exit 0

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

if [[ "$(id -u)" != "0" ]]; then
  echo "make test: not root, so not installing ${missing[*]}; the checks that need them are listed at the end"
  exit 0
fi
echo "make test: installing ${missing[*]} with apt-get (HERALD_TEST_INSTALL=0 to skip)"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
  echo "make test: apt-get could not install ${missing[*]}; the checks that need them are listed at the end"
fi
exit 0
