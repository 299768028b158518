#!/bin/bash
# The mark-compact regime (bench/README.md, 2026-12-03): hot load, GAP s idle, hot load twice,
# with --trace-gc; prints wrk's p50/p99 per phase, then GCs, mark-compacts and the longest
# pause per 10 s of the gateway's life. NODEFLAGS adds node flags; GWARGS serve arguments.
# usage: [GAP=70] [P=path] [DIR=checkout] bench/ab/gc-after-idle.sh
HERE=$(cd "$(dirname "$0")" && pwd)
P=${P:-/v1/shelves/fiction/books/42}; GAP=${GAP:-70}
# shellcheck disable=SC2086
NODEFLAGS="--trace-gc $NODEFLAGS" "$HERE/gw.sh" $GWARGS >/dev/null 2>&1
# shellcheck source=bench/ab/wrk-latency.sh
. "$HERE/wrk-latency.sh"
line() { wrk_latency 18084 "$1" "$P"; }
line 8 >/dev/null
echo "hot:          $(line 10)"
sleep "$GAP"
echo "after idle:   $(line 10)"
echo "hot again:    $(line 8)"
echo "hot again:    $(line 8)"
grep -a "Scavenge\|Mark" "${GWLOG:-/tmp/gw.log}" | awk '{t=$2; for(i=1;i<=NF;i++) if($i=="MB,") p=$(i+1); b=int(t/10000)*10; n[b]++; if($0 ~ /Mark/) mc[b]++; if(p>mx[b]) mx[b]=p}
  END {for (k in n) printf "%4ds: %3d GCs, %d mark-compacts, longest pause %s ms\n", k, n[k], mc[k]+0, mx[k]}' | sort -n
