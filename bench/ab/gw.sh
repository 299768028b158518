#!/bin/bash
# Starts the Go bench backend (cpu 1) and a gateway (cpu 0), both at nice -20, on :18084.
# usage: DIR=<checkout> bench/ab/gw.sh [serve args]; needs ../shared/bench built once
# (run.sh --check-only from a copy in $SBENCH, default /tmp/sbench). Logs to $GWLOG.
# Gateway and bare floor both get the bin's --single-threaded-gc (same flags, a fair floor: it
# costs the bare proxy 3-4 µs/req here); NODEFLAGS=--no-single-threaded-gc undoes it.
SBENCH=${SBENCH:-/tmp/sbench}; DIR=${DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PROTOS=${PROTOS:-/tmp/benchprotos}
mkdir -p "$PROTOS/bench/v1" && cp "$SBENCH/protos/bench/v1/library.proto" "$PROTOS/bench/v1/"
pkill -f "$SBENCH/.build/bin/backend"; pkill -f 'main.js serve'; pkill -f bare.mjs
while pgrep -f 'main.js serve|bare.mjs' >/dev/null; do sleep 0.1; done
nice -n -20 taskset -c 1 "$SBENCH/.build/bin/backend" -listen 127.0.0.1:19090 >/tmp/be.log 2>&1 &
sleep 0.5
cd "$DIR"
if [ "$BARE" = 1 ]; then
  nice -n -20 taskset -c 0 node --single-threaded-gc ${NODEFLAGS} "${BAREFILE:-$DIR/bench/ab/bare.mjs}" >${GWLOG:-/tmp/gw.log} 2>&1 & echo $! > /tmp/gw.pid
else
  nice -n -20 taskset -c 0 node --single-threaded-gc ${NODEFLAGS} dist/src/cli/main.js serve --proto-path "$PROTOS" --backend 127.0.0.1:19090 --listen 127.0.0.1:18084 "$@" >${GWLOG:-/tmp/gw.log} 2>&1 & echo $! > /tmp/gw.pid
fi
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18084/v1/shelves/fiction/books/42 && break; sleep 0.1; done
