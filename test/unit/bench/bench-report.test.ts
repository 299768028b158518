import test from "ava";
import { BenchUsageError, ENDPOINTS, formatTable, median, parseBenchArgs, summarize } from "../../../bench/bench-report.js";
import type { BenchArgs, ContenderName, Measurement } from "../../../bench/bench-report.js";

const parses = test.macro({
  exec(t, argv: readonly string[], expected: Partial<BenchArgs>) {
    t.like(parseBenchArgs(argv), expected);
  },
  title: (_given, argv: readonly string[]) => `parseBenchArgs: accepts ${JSON.stringify(argv.join(" "))}`,
});
test(parses, [], { duration: 10, connections: 32, rounds: 3, warmup: 3, pin: true });
test(parses, ["--duration", "5", "--connections", "8"], { duration: 5, connections: 8 });
test(parses, ["--rounds", "1", "--warmup", "0", "--no-pin"], { rounds: 1, warmup: 0, pin: false, transport: "native" });
test(parses, ["--transport", "grpc-js"], { transport: "grpc-js" });

const rejects = test.macro({
  exec(t, argv: readonly string[], message: string) {
    const error = t.throws(() => parseBenchArgs(argv), { instanceOf: BenchUsageError });
    t.is(error?.message, message);
  },
  title: (_given, argv: readonly string[]) => `parseBenchArgs: rejects ${JSON.stringify(argv.join(" "))}`,
});
test(rejects, ["--duration", "0"], '--duration: expected an integer from 1 to 300, got "0"');
test(rejects, ["--duration", "1.5"], '--duration: expected an integer from 1 to 300, got "1.5"');
test(rejects, ["--connections", "many"], '--connections: expected an integer from 1 to 1000, got "many"');
test(rejects, ["--rounds", "21"], '--rounds: expected an integer from 1 to 20, got "21"');
test(rejects, ["--transport", "http2"], '--transport: expected grpc-js or native, got "http2"');

test("parseBenchArgs: rejects an unknown flag", (t) => {
  t.throws(() => parseBenchArgs(["--fast"]), { instanceOf: BenchUsageError, message: /--fast/ });
});

const medians = test.macro({
  exec(t, values: readonly number[], expected: number) {
    t.is(median(values), expected);
  },
  title: (_given, values: readonly number[], expected: number) => `median: [${values.join(", ")}] → ${expected}`,
});
test(medians, [3], 3);
test(medians, [5, 1, 3], 3);
test(medians, [4, 1, 3, 2], 2.5);

test("ENDPOINTS: CreateBook is measured last (created books slow ListBooks down)", (t) => {
  t.deepEqual(
    ENDPOINTS.map((endpoint) => endpoint.name),
    ["GetBook", "ListBooks", "CreateBook"],
  );
});

function row(contender: ContenderName, round: number, reqPerSec: number, p99Ms = 10, cpuUsPerReq: number | null = 100): Measurement {
  return {
    contender,
    endpoint: "GetBook",
    round,
    reqPerSec,
    requests: reqPerSec * 5,
    p50Ms: 1,
    p99Ms,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    cpuUsPerReq,
    otherPct: 0,
    stealPct: 0,
    cpuBusyPct: [95, 60],
  };
}

test("summarize: the ratio is the median of same-round ratios, not the ratio of medians", (t) => {
  // Round 2 was slow for both: same-round ratios are 2, 2, 1 → median 2.
  const rows = [row("gateway", 1, 4000), row("koa", 1, 2000), row("gateway", 2, 1000), row("koa", 2, 500), row("gateway", 3, 3000), row("koa", 3, 3000)];
  const [summary] = summarize(rows, ["GetBook"]);
  t.deepEqual(summary?.ratio, { median: 2, min: 1, max: 2 });
  t.is(summary?.gateway?.reqPerSec, 3000);
  t.is(summary?.koa?.reqPerSec, 2000);
  t.is(summary?.gateway?.reqPerSecMin, 1000);
  t.is(summary?.gateway?.reqPerSecMax, 4000);
});

test("summarize: no ratio when one contender was not measured", (t) => {
  const [summary] = summarize([row("koa", 1, 2000), row("koa", 2, 2200)], ["GetBook"]);
  t.is(summary?.gateway, null);
  t.is(summary?.ratio, null);
  t.is(summary?.koa?.reqPerSec, 2100);
});

test("summarize: counts non-2xx responses and errors as failed", (t) => {
  const bad = { ...row("koa", 1, 2000), non2xx: 7, errors: 2 };
  const [summary] = summarize([bad], ["GetBook"]);
  t.is(summary?.koa?.failed, 9);
});

test("formatTable: one line per endpoint, with not run for a missing contender", (t) => {
  const table = formatTable(summarize([row("koa", 1, 2000, 12.5, 480)], ["GetBook", "ListBooks"]));
  const lines = table.split("\n");
  t.is(lines.length, 3);
  t.regex(lines[0] ?? "", /^endpoint +gateway req\/s +gw p99 ms +gw µs\/req +koa req\/s +koa p99 ms +koa µs\/req +gateway\/koa$/);
  t.regex(lines[1] ?? "", /^GetBook +not run +- +- +2000 \(2000\.\.2000\) +13 +480 +-$/);
  t.regex(lines[2] ?? "", /^ListBooks +not run +- +- +not run +- +- +-$/);
});

test("formatTable: prints the ratio with its range", (t) => {
  const table = formatTable(summarize([row("gateway", 1, 3000), row("koa", 1, 2000), row("gateway", 2, 2000), row("koa", 2, 2000)], ["GetBook"]));
  t.regex(table.split("\n")[1] ?? "", / 1\.25 \[1\.00-1\.50\]$/);
});
