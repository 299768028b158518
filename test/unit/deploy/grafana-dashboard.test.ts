import test from "ava";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GatewayMetrics } from "../../../src/runtime/ops/metrics.js";

const FILE = fileURLToPath(new URL("../../../../deploy/grafana/protogate-dashboard.json", import.meta.url));

interface Dashboard {
  readonly panels: Array<{ readonly title: string; readonly targets: Array<{ readonly expr: string }> }>;
}

const dashboard = JSON.parse(readFileSync(FILE, "utf8")) as Dashboard;

/** Every metric name /metrics can expose: TYPE lines, plus _bucket/_sum/_count for histograms. */
async function exposedNames(): Promise<Set<string>> {
  const { text } = await new GatewayMetrics().render();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name! + suffix);
  }
  return names;
}

// Metric names are what a selector `{` or a range `[` follows, or what stands alone in a call.
const METRIC = /\b((?:protogate|process|nodejs)_[a-zA-Z0-9_]+)\b/g;

test("grafana dashboard: every metric its queries name exists in /metrics output", async (t) => {
  const names = await exposedNames();
  let checked = 0;
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      for (const [, name] of target.expr.matchAll(METRIC)) {
        checked++;
        t.true(names.has(name!), `${panel.title}: ${name} is not a metric protogate exposes`);
      }
    }
  }
  t.true(checked >= 20, `${checked} metric references checked`);
});

test("grafana dashboard: has the panels an operator needs", (t) => {
  const titles = dashboard.panels.map((p) => p.title).join("\n");
  for (const needed of [/Request rate/, /Error rate/, /p50 \/ p95 \/ p99/, /Auth failures/, /429/, /Cache hit rate/, /Backend errors/]) {
    t.regex(titles, needed);
  }
});

test("grafana dashboard: the name check can fail", async (t) => {
  const names = await exposedNames();
  t.false(names.has("protogate_requests_total"), "a plausible but wrong name is not exposed");
});
