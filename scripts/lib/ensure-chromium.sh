#!/usr/bin/env bash
# Makes sure a headless Chromium is on PATH (or CHROMIUM_PATH is set) for the browser test of the
# local run's report; installs Debian's chromium package when apt-get can. Exit 3 when it cannot.
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] || { echo "ensure-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2; exit 3; }
  exit 0
fi
for name in chromium chromium-browser google-chrome google-chrome-stable; do
  command -v "$name" > /dev/null 2>&1 && exit 0
done

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
if command -v apt-get > /dev/null 2>&1 && { [ "${#as_root[@]}" -eq 0 ] || sudo -n true 2> /dev/null; }; then
  echo "ensure-chromium: installing Debian's chromium package (the report's browser test needs it)"
  if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium > /tmp/ensure-chromium.log 2>&1 ||
    { "${as_root[@]}" apt-get update > /dev/null 2>&1 && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium > /tmp/ensure-chromium.log 2>&1; }; then
    exit 0
  fi
  echo "ensure-chromium: apt-get install chromium failed (log: /tmp/ensure-chromium.log)" >&2
  exit 3
fi
echo "ensure-chromium: no Chromium found and apt-get is not usable here: install Chromium or Chrome, or set CHROMIUM_PATH to its executable" >&2
exit 3
