#!/usr/bin/env bash
# Installs, on Debian/Ubuntu, the system tools the suite needs when they are missing.
set -euo pipefail
need=()
for tool in "$@"; do
  case "$tool" in
    gettext)  command -v msgfmt >/dev/null || need+=(gettext) ;;
    postgres) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql) ;;
    redis)    command -v redis-server >/dev/null || need+=(redis-server) ;;
    chromium) [ -x /usr/bin/chromium ] || need+=(chromium) ;;
    # WeasyPrint (PDF) draws text with Pango; a font is needed for any text at all.
    pango)    ldconfig -p | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
              fc-list 2>/dev/null | grep -q . || need+=(fonts-dejavu-core) ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Missing: ${need[*]}. Install them with your system's package manager." >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing ${need[*]} with apt-get…" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
