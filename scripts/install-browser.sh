#!/usr/bin/env bash
# Debian's chromium and chromium-driver, for the browser check of the built book (tests/test_browser.py).
# Installs them when missing and this user may use apt-get; otherwise says how and carries on
# (the browser test then fails with the same instruction).
set -u
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "install-browser: chromium and chromium-driver are missing; install them (Debian: sudo apt-get install chromium chromium-driver)" >&2
fi
