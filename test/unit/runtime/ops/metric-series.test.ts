import test from "ava";
import { Histogram, Registry } from "prom-client";
import { SeriesCounter, SeriesHistogram } from "../../../../src/runtime/ops/metric-series.js";

// The series classes must export exactly what prom-client's own Histogram and Counter
// export for the same observations: text exposition and JSON (what cluster aggregation reads).

const BUCKETS = [0.001, 0.01, 0.1, 1];
const VALUES = [0.0005, 0.001, 0.002, 0.01, 0.5, 1, 3, 0];

test("SeriesHistogram exports what prom-client's Histogram exports for the same values", async (t) => {
  const ours = new Registry();
  const theirs = new Registry();
  const fast = new SeriesHistogram({ name: "h", help: "help", labelNames: ["rpc", "grpc_code"], buckets: BUCKETS, registers: [ours] });
  const plain = new Histogram({ name: "h", help: "help", labelNames: ["rpc", "grpc_code"], buckets: BUCKETS, registers: [theirs] });
  const a = fast.seriesFor({ rpc: "a.B.C", grpc_code: "OK" });
  const b = fast.seriesFor({ rpc: "a.B.D", grpc_code: "NOT_FOUND" });
  for (const v of VALUES) {
    a.observe(v);
    plain.observe({ rpc: "a.B.C", grpc_code: "OK" }, v);
  }
  b.observe(0.05);
  plain.observe({ rpc: "a.B.D", grpc_code: "NOT_FOUND" }, 0.05);
  t.is(await ours.metrics(), await theirs.metrics());
  t.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
  fast.reset();
  t.notRegex(await ours.metrics(), /h_count/, "reset empties every series");
});

test("SeriesCounter folds its series into the counter whenever it is read", async (t) => {
  const registry = new Registry();
  const counter = new SeriesCounter({ name: "c_total", help: "help", labelNames: ["rpc", "code"], registers: [registry] });
  const ok = counter.seriesFor({ rpc: "a.B.C", code: "200" });
  const missing = counter.seriesFor({ rpc: "a.B.C", code: "404" });
  ok.inc();
  ok.inc();
  missing.inc();
  t.regex(await registry.metrics(), /^c_total\{rpc="a\.B\.C",code="200"\} 2$/m);
  ok.inc();
  const json = await registry.getMetricsAsJSON();
  const values = json[0]?.values.map((v) => [v.labels.code, v.value]);
  t.deepEqual(values, [["200", 3], ["404", 1]]);
});
