# Sourced by p99.sh and gc-after-idle.sh: one wrk run at 32 connections on cpu 1, printed as
# "50% …ms 99% …ms Requests/sec: …" on one line.
# usage: wrk_latency PORT SECONDS PATH
wrk_latency() {
  nice -n -20 taskset -c 1 wrk -t1 -c32 --latency -d"$2"s "http://127.0.0.1:$1$3" |
    grep -E '^ +(50|99)%|Requests/sec' | tr -s ' ' | tr '\n' ' '
}
