/**
 * The benchmark's pure parts: its command line, the endpoints it loads, and how rounds
 * of measurements become the printed table (medians and same-round ratios).
 */
import { parseArgs } from "node:util";

/** Thrown for a bad command line (exit 2). */
export class BenchUsageError extends Error {
  override readonly name = "BenchUsageError";
}

export interface BenchArgs {
  /** Seconds per measurement. */
  readonly duration: number;
  readonly connections: number;
  readonly rounds: number;
  /** Seconds of unrecorded load per contender before each endpoint's rounds. */
  readonly warmup: number;
  readonly pin: boolean;
  /** The gateway's backend transport (config `backends[].transport`). */
  readonly transport: "grpc-js" | "native";
}

export interface Endpoint {
  readonly name: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: string;
}

// A book both sides accept as the same JSON: no well-known types, whose JSON forms
// differ (proto-loader's fromObject wants `{value: 300}` for an Int32Value).
const NEW_BOOK = JSON.stringify({
  title: "The Left Hand of Darkness",
  authors: ["Ursula K. Le Guin"],
  genre: "GENRE_SCIENCE_FICTION",
  isbn: "9780441478125",
  wordCount: "87000",
  labels: { condition: "new", language: "en" },
});

/**
 * CreateBook comes last on purpose: every created book stays in the demo store, and its
 * ListBooks scans all books, so list measurements after creates would slow down.
 */
export const ENDPOINTS: readonly Endpoint[] = [
  { name: "GetBook", method: "GET", path: "/v1/shelves/fiction/books/dune" },
  { name: "ListBooks", method: "GET", path: "/v1/shelves/fiction/books?page_size=10" },
  { name: "CreateBook", method: "POST", path: "/v1/shelves/science/books", body: NEW_BOOK },
];

export type ContenderName = "gateway" | "koa";

export interface Measurement {
  readonly contender: ContenderName;
  readonly endpoint: string;
  readonly round: number;
  readonly reqPerSec: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** CPU (user+system) of the contender's process per request served. */
  readonly cpuUsPerReq: number | null;
  /** CPU used on the machine by processes other than ours, in % of one cpu. */
  readonly otherPct: number | null;
  /** Time the hypervisor took, in % of one cpu. */
  readonly stealPct: number | null;
  /** How busy each cpu was (everything on it), in %: shows which side saturated. */
  readonly cpuBusyPct: readonly number[] | null;
}

export interface SummaryRow {
  readonly endpoint: string;
  readonly gateway: Stats | null;
  readonly koa: Stats | null;
  /** Median over rounds of gateway/koa req/s measured in the same round. */
  readonly ratio: { median: number; min: number; max: number } | null;
}

export interface Stats {
  readonly reqPerSec: number;
  readonly reqPerSecMin: number;
  readonly reqPerSecMax: number;
  readonly p99Ms: number;
  readonly cpuUsPerReq: number | null;
  readonly failed: number;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        duration: { type: "string", default: "10" },
        connections: { type: "string", default: "32" },
        rounds: { type: "string", default: "3" },
        warmup: { type: "string", default: "3" },
        "no-pin": { type: "boolean", default: false },
        transport: { type: "string", default: "native" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error: unknown) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const int = (name: string, min: number, max: number): number => {
    const text = String(values[name]);
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      throw new BenchUsageError(`--${name}: expected an integer from ${min} to ${max}, got "${text}"`);
    }
    return value;
  };
  return {
    duration: int("duration", 1, 300),
    connections: int("connections", 1, 1000),
    rounds: int("rounds", 1, 20),
    warmup: int("warmup", 0, 60),
    pin: values["no-pin"] !== true,
    transport: transport(String(values.transport)),
  };
}

function transport(text: string): "grpc-js" | "native" {
  if (text === "grpc-js" || text === "native") return text;
  throw new BenchUsageError(`--transport: expected grpc-js or native, got "${text}"`);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function statsOf(rows: readonly Measurement[]): Stats | null {
  if (rows.length === 0) return null;
  const rates = rows.map((row) => row.reqPerSec);
  const cpu = rows.map((row) => row.cpuUsPerReq).filter((value): value is number => value !== null);
  return {
    reqPerSec: median(rates),
    reqPerSecMin: Math.min(...rates),
    reqPerSecMax: Math.max(...rates),
    p99Ms: median(rows.map((row) => row.p99Ms)),
    cpuUsPerReq: cpu.length === 0 ? null : median(cpu),
    failed: rows.reduce((sum, row) => sum + row.non2xx + row.errors, 0),
  };
}

/** One row per endpoint; the ratio pairs the two contenders' measurements of the same round. */
export function summarize(measurements: readonly Measurement[], endpoints: readonly string[]): SummaryRow[] {
  return endpoints.map((endpoint) => {
    const of = (contender: ContenderName): Measurement[] =>
      measurements.filter((row) => row.endpoint === endpoint && row.contender === contender);
    const gateway = of("gateway");
    const koa = of("koa");
    const ratios = gateway.flatMap((g) => {
      const k = koa.find((row) => row.round === g.round);
      return k === undefined || k.reqPerSec === 0 ? [] : [g.reqPerSec / k.reqPerSec];
    });
    return {
      endpoint,
      gateway: statsOf(gateway),
      koa: statsOf(koa),
      ratio: ratios.length === 0 ? null : { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
    };
  });
}

export function fmt(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined ? "-" : value.toFixed(digits);
}

export function formatTable(rows: readonly SummaryRow[]): string {
  const header = ["endpoint", "gateway req/s", "gw p99 ms", "gw µs/req", "koa req/s", "koa p99 ms", "koa µs/req", "gateway/koa"];
  const body = rows.map((row) => [
    row.endpoint,
    row.gateway === null ? "not run" : `${fmt(row.gateway.reqPerSec)} (${fmt(row.gateway.reqPerSecMin)}..${fmt(row.gateway.reqPerSecMax)})`,
    fmt(row.gateway?.p99Ms),
    fmt(row.gateway?.cpuUsPerReq),
    row.koa === null ? "not run" : `${fmt(row.koa.reqPerSec)} (${fmt(row.koa.reqPerSecMin)}..${fmt(row.koa.reqPerSecMax)})`,
    fmt(row.koa?.p99Ms),
    fmt(row.koa?.cpuUsPerReq),
    row.ratio === null ? "-" : `${fmt(row.ratio.median, 2)} [${fmt(row.ratio.min, 2)}-${fmt(row.ratio.max, 2)}]`,
  ]);
  const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((line) => (line[column] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join("  ");
  return [line(header), ...body.map(line)].join("\n");
}

