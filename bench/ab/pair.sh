#!/bin/bash
# Paired A/B: two contenders run at the same time, both on cpu 0 (same nice), each loaded by
# its own wrk (-c16) on cpu 1 next to the Go backend. Sharing the core and the moment, they
# share the hypervisor's steal and slow phases, so the ratio of their CPU µs per request is
# far steadier than two measurements taken one after the other (ab.sh).
# A contender is a built checkout dir, DIR@CONFIG, DIR@pipe (stdout a pipe, read by cat on cpu 1,
# as in a container; else stdout is a file), or "bare" (bench/ab/bare.mjs).
# usage: bench/ab/pair.sh ROUNDS PATH A B     (needs $SBENCH built, see gw.sh)
# BODY=file: every request is a POST of that JSON file (CreateBook: see bench/README.md).
HERE=$(cd "$(dirname "$0")" && pwd); SBENCH=${SBENCH:-/tmp/sbench}; PROTOS=${PROTOS:-/tmp/benchprotos}
R=$1; P=$2; A=$3; B=$4; S=${S:-5}
WRKARGS=()
[ -n "$BODY" ] && export WRK_BODY_FILE=$BODY && WRKARGS=(-s "$SBENCH/scripts/wrk-report.lua")
mkdir -p "$PROTOS/bench/v1" && cp "$SBENCH/protos/bench/v1/library.proto" "$PROTOS/bench/v1/"
start() { # contender port -> pid
  local d=$1 port=$2 dir=${1%%@*} cfg=${1#*@} args=() out=/tmp/pair-$port.log
  [ "$cfg" != "$d" ] && [ "$cfg" != pipe ] && args=(--config "$cfg")
  if [ "$d" = bare ]; then
    PORT=$port nice -n -20 taskset -c 0 node --single-threaded-gc "$HERE/bare.mjs" >"$out" 2>&1 &
  elif [ "$cfg" = pipe ]; then
    (cd "$dir" && exec nice -n -20 taskset -c 0 node --single-threaded-gc dist/src/cli/main.js serve --proto-path "$PROTOS" \
      --backend 127.0.0.1:19090 --listen 127.0.0.1:$port) > >(taskset -c 1 cat >/dev/null) 2>&1 &
  else
    (cd "$dir" && exec nice -n -20 taskset -c 0 node --single-threaded-gc dist/src/cli/main.js serve --proto-path "$PROTOS" \
      --backend 127.0.0.1:19090 --listen 127.0.0.1:$port "${args[@]}") >"$out" 2>&1 &
  fi
  echo $!
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pkill -f "$SBENCH/.build/bin/backend"; pkill -f 'main.js serve'; pkill -f bare.mjs; sleep 0.3
nice -n -20 taskset -c 1 "$SBENCH/.build/bin/backend" -listen 127.0.0.1:19090 >/tmp/be.log 2>&1 &
BE=$!; sleep 0.5
ratios=()
for i in $(seq "$R"); do
  # Alternate the ports so neither contender always gets the first wrk.
  if [ $((i % 2)) = 1 ]; then pa=18084 pb=18085; else pa=18085 pb=18084; fi
  a=$(start "$A" $pa); b=$(start "$B" $pb)
  for port in $pa $pb; do for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port$P" && break; sleep 0.1; done; done
  for port in $pa $pb; do nice -n -20 taskset -c 1 wrk -t1 -c16 -d2s "${WRKARGS[@]}" "http://127.0.0.1:$port$P" >/dev/null & done; wait %2 %3 2>/dev/null; sleep 2.2
  ta0=$(ticks $a); tb0=$(ticks $b)
  nice -n -20 taskset -c 1 wrk -t1 -c16 -d${S}s "${WRKARGS[@]}" "http://127.0.0.1:$pa$P" >/tmp/pair-wa.txt &
  wa=$!
  nice -n -20 taskset -c 1 wrk -t1 -c16 -d${S}s "${WRKARGS[@]}" "http://127.0.0.1:$pb$P" >/tmp/pair-wb.txt &
  wb=$!
  wait $wa $wb
  ta1=$(ticks $a); tb1=$(ticks $b)
  ra=$(awk '/^Requests\/sec/{print $2}' /tmp/pair-wa.txt); rb=$(awk '/^Requests\/sec/{print $2}' /tmp/pair-wb.txt)
  line=$(python3 -c "
ra,rb,S=$ra,$rb,$S; ca=($ta1-$ta0)/100*1e6/(ra*S); cb=($tb1-$tb0)/100*1e6/(rb*S)
print(f'{ca:.1f} {cb:.1f} {ca/cb:.3f} {ra:.0f} {rb:.0f}')")
  echo "round $i: A $(echo $line | cut -d' ' -f1) µs/req ($(echo $line | cut -d' ' -f4) req/s), B $(echo $line | cut -d' ' -f2) µs/req ($(echo $line | cut -d' ' -f5) req/s), A/B $(echo $line | cut -d' ' -f3)"
  ratios+=("$(echo $line | cut -d' ' -f3)")
  kill $a $b; wait $a $b 2>/dev/null
done
kill $BE
python3 -c "
import statistics; r=[float(x) for x in '${ratios[*]}'.split()]
print(f'A/B cpu per request: median {statistics.median(r):.3f}, min {min(r):.3f}, max {max(r):.3f} ({len(r)} rounds)')"
