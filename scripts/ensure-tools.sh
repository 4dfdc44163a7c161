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
    # The support mailboxes' tests poll a real IMAP server, started throw-away by the tests.
    dovecot)  [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd) ;;
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

# Another apt or dpkg (unattended upgrades, a second `make`) may hold the package locks: wait for it instead of
# failing, up to LOCK_WAIT seconds, saying so. apt's own DPkg::Lock::Timeout covers what is left (a lock taken
# between our look and apt's start).
LOCK_WAIT=${LOCK_WAIT:-600}
LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock)
lock_holders() {  # the pids that have a lock file open, space-separated; nothing when the locks are free
  if command -v fuser >/dev/null; then
    fuser "${LOCKS[@]}" 2>/dev/null | tr -s ' ' '\n' | grep -E '^[0-9]+$' | sort -u | tr '\n' ' ' || true
    return 0
  fi
  local fd target lock
  for fd in /proc/[0-9]*/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    for lock in "${LOCKS[@]}"; do
      if [ "$target" = "$lock" ]; then fd=${fd#/proc/}; echo "${fd%%/*}"; fi
    done
  done | sort -u | tr '\n' ' ' || true
}
waited=0
while holders=$(lock_holders); [ -n "${holders// /}" ]; do
  if [ "$waited" -eq 0 ]; then
    echo "Another apt or dpkg process holds the package lock (pid ${holders% }): waiting for it (at most ${LOCK_WAIT} s)…" >&2
  fi
  if [ "$waited" -ge "$LOCK_WAIT" ]; then
    echo "The package lock is still held after ${LOCK_WAIT} s (pid ${holders% }); install ${need[*]} by hand." >&2
    exit 1
  fi
  sleep 2; waited=$((waited + 2))
done
[ "$waited" -gt 0 ] && echo "The package lock is free after ${waited} s." >&2

APT=(apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT")
echo "Installing ${need[*]} with apt-get…" >&2
$SUDO "${APT[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $SUDO "${APT[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null
