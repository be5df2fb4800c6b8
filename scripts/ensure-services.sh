#!/usr/bin/env bash
# Start the local PostgreSQL and MariaDB the tests use, if they are not already answering.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
fi
if ! port_open 3306; then
  if [ -x /usr/sbin/mariadbd ]; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  fi
fi
for _ in $(seq 1 30); do
  if port_open 5432 && port_open 3306; then exit 0; fi
  sleep 1
done
echo "PostgreSQL (5432) or MariaDB (3306) is not answering on 127.0.0.1" >&2
exit 1
