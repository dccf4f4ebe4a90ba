#!/bin/sh
# Installs the Debian packages Huifang uses, when they are missing, saying which and why first.
#   scripts/system-deps.sh            everything the test suite needs
#   scripts/system-deps.sh --runtime  only the CJK font embedded in PDFs (best effort)
#   scripts/system-deps.sh --bench    what the tests need, and wrk for the load benchmark
#                                     (make bench-load; neither the tests nor the service use it)
set -e
why() {
  case "$1" in
    fonts-wqy-microhei) echo "the Chinese font embedded in the PDF forms, receipts, notices and reports" ;;
    chromium) echo "the headless browser the page tests drive (they also take the screenshots)" ;;
    postgresql-15) echo "the tests run the API on a private PostgreSQL cluster on loopback" ;;
    fonts-noto-cjk) echo "Chinese text on the pages the browser tests render" ;;
    poppler-utils) echo "pdftoppm, which the tests use to render PDFs to images" ;;
    wrk) echo "the HTTP load generator benchmarks/load.py drives huifang serve with" ;;
  esac
}
need=""
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need="$need fonts-wqy-microhei"
if [ "$1" != "--runtime" ]; then
  [ -x /usr/bin/chromium ] || need="$need chromium"
  [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || command -v pg_ctl >/dev/null 2>&1 || need="$need postgresql-15"
  [ -d /usr/share/fonts/opentype/noto ] || need="$need fonts-noto-cjk"
  command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
fi
if [ "$1" = "--bench" ]; then
  command -v wrk >/dev/null 2>&1 || need="$need wrk"
fi
[ -n "$need" ] || exit 0
explain() {
  for package in $need; do echo "  $package: $(why "$package")"; done
}
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "missing Debian packages (run as root to install them):" >&2
  explain >&2
  [ "$1" = "--runtime" ] && exit 0 || exit 1
fi
echo "installing Debian packages with ${SUDO:+sudo }apt-get (apt-get update, then apt-get install):"
explain
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null; }; then
  echo "could not install:$need" >&2
  [ "$1" = "--runtime" ] && exit 0 || exit 1
fi
