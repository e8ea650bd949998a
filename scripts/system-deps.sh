#!/usr/bin/env bash
# Installs the Debian packages nianbao uses beyond Node when they are missing:
#   chromium + fonts-wqy-microhei  browser path (challenge pages, script-built lists), PDF renderings, page tests
#   poppler-utils                  pdftotext/pdftoppm (benchmark baseline, scanned-PDF fixtures)
#   libreoffice-writer-nogui       DOC renderings (HTML → ODT → DOC)
#   tesseract-ocr + tesseract-ocr-chi-sim  OCR of scanned PDFs (else the slower tesseract.js)
#   redis-server                   the distributed mode's tests (BullMQ on a loopback Redis); a single-machine run never needs it
# Runs apt-get only when something is missing and we are root (or have passwordless sudo).
# With --optional it never fails: it says what is degraded instead.
set -u
optional=0
[ "${1:-}" = "--optional" ] && optional=1

need=()
command -v "${NIANBAO_CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'wenquanyi micro hei' || need+=(fonts-wqy-microhei)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
# OCR of scanned PDFs (extract/ocr.ts): native tesseract + the Simplified Chinese model; without
# them OCR falls back to tesseract.js (npm), which reads the same but ~30% slower.
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] || [ -e /usr/share/tesseract-ocr/4.00/tessdata/chi_sim.traineddata ] || need+=(tesseract-ocr-chi-sim)
# The queue tests (test/queue-*.test.ts) start their own redis-server on a free loopback port;
# `npm start` (--optional) runs on one machine and does not need it.
[ $optional = 0 ] && { command -v redis-server >/dev/null 2>&1 || need+=(redis-server); }
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; }; then
  echo "nianbao: installing Debian packages: ${need[*]}" >&2
  if $SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; then
    exit 0
  fi
  echo "nianbao: apt-get install failed" >&2
else
  echo "nianbao: missing Debian packages: ${need[*]} (install them as root: apt-get install -y --no-install-recommends ${need[*]})" >&2
fi
if [ $optional = 1 ]; then
  echo "nianbao: degraded: without chromium the challenge-protected and script-built portal columns are skipped; the rest runs." >&2
  exit 0
fi
exit 1
