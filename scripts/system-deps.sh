#!/bin/sh
# System libraries Qt needs to run offscreen, and a font. Installs them with apt when
# run as root; otherwise says which are missing.
# poppler-utils (pdftotext, pdftoppm) and LibreOffice Calc and Impress read back the exported files in the tests.
# xvfb and the libxcb set: a real window on Linux (make run), and the tests that must run under xcb.
PACKAGES="libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core poppler-utils libreoffice-calc-nogui libreoffice-impress-nogui xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0"
command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian-like system, skipped"; exit 0; }
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "system-deps: installing$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
  echo "system-deps: missing system packages:$missing"
  echo "system-deps: install them with: sudo apt-get install$missing"
  exit 1
fi
