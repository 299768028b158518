// Event-loop delay of a gateway under load, for the p99 question: load with
// NODEFLAGS="--import $PWD/bench/ab/event-loop-delay.mjs" bash bench/ab/gw.sh, run wrk, then
// kill -USR2 $(cat /tmp/gw.pid): one JSON line on stderr (in $GWLOG) with the delay percentiles and
// the last turns longer than 8 ms. The 1 ms probe adds a little load of its own.
import { monitorEventLoopDelay } from "node:perf_hooks";
const h = monitorEventLoopDelay({ resolution: 1 }); h.enable();
let last = performance.now(); const gaps = [];
setInterval(() => { const now = performance.now(); const g = now - last; if (g > 8) gaps.push(Math.round(g)); last = now; }, 1).unref();
const report = () => { console.error(JSON.stringify({ eld_p50: h.percentile(50) / 1e6, eld_p99: h.percentile(99) / 1e6, eld_max: h.max / 1e6, gapsOver8ms: gaps.length, gaps: gaps.slice(-40) })); process.exit(0); };
process.on("SIGUSR2", report);
