#!/bin/bash
# Interleaved A/B rounds: min and median CPU µs per request and req/s per contender.
# A contender is a checkout dir (built), DIR@CONFIG (serve --config CONFIG), or "bare".
# usage: bench/ab/ab.sh ROUNDS PATH contender...
HERE=$(cd "$(dirname "$0")" && pwd); R=$1; P=$2; shift 2
declare -A res
for i in $(seq "$R"); do for d in "$@"; do
  dir=${d%%@*}; cfg=${d#*@}; args=(); [ "$cfg" != "$d" ] && args=(--config "$cfg")
  if [ "$d" = bare ]; then BARE=1 "$HERE/gw.sh" >/dev/null; else DIR=$dir "$HERE/gw.sh" "${args[@]}" >/dev/null; fi
  res[$d]="${res[$d]} $("$HERE/measure.sh" "$P" 3 | awk '{print $2":"$5}')"
done; done
for d in "$@"; do echo "$d ${res[$d]}" | python3 -c "
import sys,statistics
d,*xs=sys.stdin.read().split(); r=[float(x.split(':')[0]) for x in xs]; c=[float(x.split(':')[1]) for x in xs]
print(f'{d}: cpu µs/req min {min(c):.1f} median {statistics.median(c):.1f}; req/s max {max(r):.0f} median {statistics.median(r):.0f}')"; done
pkill -f 'main.js serve'; pkill -f bare.mjs
