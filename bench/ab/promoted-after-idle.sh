#!/bin/bash
# What survives into old space, before and after the first mark-compact under load
# (bench/README.md, "the Map that kept calls alive"): 8 s of wrk, GAP s idle (V8's memory
# reducer runs a mark-compact, which promotes the young generation), 8 s of wrk again, with
# --trace-gc-nvp. Prints req/s per phase, then KB promoted per scavenge and mark-compacts,
# for t in [2,8) s and for t >= GAP+10 s of the process's life. A healthy process promotes a
# few KB per scavenge in both; a retention chain shows as hundreds of KB after the gap.
# usage: [GAP=40] [P=path] [BARE=1] [DIR=checkout] [GWARGS=serve args] bench/ab/promoted-after-idle.sh
HERE=$(cd "$(dirname "$0")" && pwd)
P=${P:-/v1/shelves/fiction/books/42}; GAP=${GAP:-40}
export GWLOG=${GWLOG:-/tmp/promoted-after-idle.log}
# shellcheck disable=SC2086
NODEFLAGS="--trace-gc-nvp $NODEFLAGS" "$HERE/gw.sh" $GWARGS >/dev/null 2>&1
rate() { wrk -t1 -c32 -d8s "http://127.0.0.1:18084$P" | awk '/Requests\/sec/ {print $2}'; }
echo "hot: $(rate) req/s"
sleep "$GAP"
echo "after idle: $(rate) req/s"
sleep 0.5
grep -a "gc=" "$GWLOG" | awk -v gap="$GAP" '
{ for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) v[kv[1]] = kv[2]
  t = $2 / 1000; kb = v["promoted"] / 1024; late = t >= gap + 10; early = t >= 2 && t < 8
  if (v["gc"] == "s") { if (early) { bs++; bp += kb } else if (late) { as++; ap += kb } }
  else if (late) amc++; else if (t < 8) bmc++ }
END { printf "before the gap: %d scavenges, %.1f KB promoted each, %d mark-compacts\n", bs, bs ? bp / bs : 0, bmc
      printf "after the gap:  %d scavenges, %.1f KB promoted each, %d mark-compacts\n", as, as ? ap / as : 0, amc }'
pkill -f 'main.js serve'; pkill -f bare.mjs
