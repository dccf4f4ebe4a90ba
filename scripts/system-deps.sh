#!/bin/sh
# Installs the Debian packages Huifang uses, when they are missing.
#   scripts/system-deps.sh            everything the test suite needs
#   scripts/system-deps.sh --runtime  only the CJK font embedded in PDFs (best effort)
set -e
need=""
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need="$need fonts-wqy-microhei"
if [ "$1" != "--runtime" ]; then
  [ -x /usr/bin/chromium ] || need="$need chromium"
  [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || command -v pg_ctl >/dev/null 2>&1 || need="$need postgresql-15"
  [ -d /usr/share/fonts/opentype/noto ] || need="$need fonts-noto-cjk"
  command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
fi
[ -n "$need" ] || exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "missing Debian packages:$need (run as root to install them)" >&2
  [ "$1" = "--runtime" ] && exit 0 || exit 1
fi
echo "installing Debian packages:$need"
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null; }; then
  echo "could not install:$need" >&2
  [ "$1" = "--runtime" ] && exit 0 || exit 1
fi
