#!/bin/bash
# Interleaved p50/p99 and req/s: protogate (DIR, via gw.sh) against grpc-gateway on the same
# backend, each alone on cpu 0 while measured (the other is SIGSTOPped), wrk -c32 on cpu 1.
# Needs the shared bench built in $SBENCH (default /tmp/sbench).
# usage: [P=path] [R=rounds] [DIR=checkout] bench/ab/p99.sh
HERE=$(cd "$(dirname "$0")" && pwd); SBENCH=${SBENCH:-/tmp/sbench}
P=${P:-/v1/shelves/fiction/books/42}; R=${R:-3}
"$HERE/gw.sh" >/dev/null 2>&1
nice -n -20 taskset -c 0 "$SBENCH/.build/bin/gateway" -listen 127.0.0.1:18081 -backend 127.0.0.1:19090 >/tmp/gogw.log 2>&1 &
GO=$!; sleep 0.5
# shellcheck source=bench/ab/wrk-latency.sh
. "$HERE/wrk-latency.sh"
line() { wrk_latency "$1" 8 "$P"; }
wrk_latency 18084 5 "$P" >/dev/null; wrk_latency 18081 5 "$P" >/dev/null
for _ in $(seq "$R"); do
  kill -STOP $GO; echo "protogate: $(line 18084)"; kill -CONT $GO
  kill -STOP "$(cat /tmp/gw.pid)"; echo "grpc-gw:   $(line 18081)"; kill -CONT "$(cat /tmp/gw.pid)"
done
kill $GO
