#!/bin/bash
# wrk (cpu 1, 32 connections) against :18084 after a 2 s warm-up; prints req/s and the
# gateway's CPU µs per request (user+sys of the pid in /tmp/gw.pid). AUTH=<jwt> adds a bearer token;
# BODY=<file> POSTs that file as application/json.
# usage: bench/ab/measure.sh [PATH] [SECONDS]
P=${1:-/v1/shelves/fiction/books/42}; S=${2:-5}
H=(); [ -n "$AUTH" ] && H=(-H "authorization: Bearer $AUTH")
if [ -n "$BODY" ]; then
  LUA=$(mktemp --suffix=.lua)
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[%s]==]\n' "$(cat "$BODY")" >"$LUA"
  H+=(-s "$LUA")
fi
PID=$(cat /tmp/gw.pid)
nice -n -20 taskset -c 1 wrk -t1 -c32 -d2s "${H[@]}" http://127.0.0.1:18084$P >/dev/null
read u0 s0 < <(awk '{print $14, $15}' /proc/$PID/stat)
OUT=$(nice -n -20 taskset -c 1 wrk -t1 -c32 -d${S}s "${H[@]}" http://127.0.0.1:18084$P)
read u1 s1 < <(awk '{print $14, $15}' /proc/$PID/stat)
RPS=$(echo "$OUT" | awk '/Requests\/sec/{print $2}')
python3 -c "r=$RPS; t=($u1+$s1-$u0-$s0)/100.0; print(f'req/s {r:.0f}  cpu µs/req {t*1e6/(r*$S):.1f}')"
