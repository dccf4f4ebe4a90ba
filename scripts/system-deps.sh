#!/bin/sh
# Installs the Debian packages the test suite uses, when they are missing.
set -e
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
command -v pg_ctl >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || need="$need postgresql-15"
[ -d /usr/share/fonts/opentype/noto ] || need="$need fonts-noto-cjk"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing Debian packages:$need"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
