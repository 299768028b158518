import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import test from "ava";
import { pino } from "pino";
import type { Logger } from "pino";
import { AccessLog } from "../../../../src/runtime/ops/access-log.js";
import type { AccessLogEntry } from "../../../../src/runtime/ops/access-log.js";

function capture(options: pino.LoggerOptions = {}): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ base: undefined, ...options }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

function request(method: string, headers: Record<string, string> = {}): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.headers = headers;
  return req;
}

const route = { entry: { pattern: "/v1/{name=shelves/*}" }, method: { name: "demo.v1.Library.GetShelf" } };
const entry: AccessLogEntry = {
  requestId: 'client "id" \\ 1',
  path: "/v1/shelves/\"é\u0001\u2028",
  route,
  status: 200,
  grpcCode: 0,
  durationUs: 0,
  backendMs: 1.25,
  sub: "user\n1",
};

/** The same entry written by the hand-built line and by pino's serialiser (a formatter forces the latter). */
function bothWays(write: AccessLogEntry, bindings: Record<string, unknown> | undefined): [Record<string, unknown>, Record<string, unknown>, string] {
  const built = capture(bindings === undefined ? {} : { base: bindings });
  const generic = capture({ ...(bindings === undefined ? {} : { base: bindings }), formatters: { log: (object) => object } });
  new AccessLog(built.logger, []).write(request("GET"), write);
  new AccessLog(generic.logger, []).write(request("GET"), write);
  const [line] = built.lines;
  const [reference] = generic.lines;
  if (line === undefined || reference === undefined) throw new Error("no line written");
  const ours = JSON.parse(line) as Record<string, unknown>;
  const theirs = JSON.parse(reference) as Record<string, unknown>;
  for (const timed of [ours, theirs]) {
    delete timed["time"];
    delete timed["durationMs"];
  }
  return [ours, theirs, line];
}

test("the built line says what pino would, client-chosen strings escaped", (t) => {
  const [ours, theirs, line] = bothWays(entry, undefined);
  t.deepEqual(ours, theirs);
  t.is(ours["path"], entry.path);
  t.is(ours["requestId"], entry.requestId);
  t.is(ours["sub"], "user\n1");
  t.is(ours["route"], route.entry.pattern);
  t.is(ours["rpc"], route.method.name);
  t.is(ours["level"], 30);
  t.true(line.endsWith("}\n"));
  t.is(line.split("\n").length, 2, "one line: control characters in client values stay escaped");
  t.regex(line, /"durationMs":\d+(\.\d+)?[,}]/);
  t.regex(line, /^\{"level":30,"time":\d+,"msg":"request",/);
});

test("absent values are left out, as pino leaves out undefined", (t) => {
  const bare = { ...entry, route: undefined, grpcCode: undefined, backendMs: undefined, sub: undefined, status: 404 };
  const [ours, theirs] = bothWays(bare, undefined);
  t.deepEqual(ours, theirs);
  for (const key of ["route", "rpc", "grpcCode", "backendMs", "sub"]) t.false(key in ours, key);
  t.is(ours["status"], 404);
});

test("the logger's bindings (pid in a cluster worker) are on the line", (t) => {
  const [ours, theirs] = bothWays(entry, { pid: 4242 });
  t.deepEqual(ours, theirs);
  t.is(ours["pid"], 4242);
});

test("nothing is written below info, and the client address comes from a trusted proxy's header", (t) => {
  const quiet = capture({ level: "warn" });
  new AccessLog(quiet.logger, []).write(request("GET"), entry);
  t.deepEqual(quiet.lines, []);

  const proxied = capture();
  const req = request("POST", { "x-forwarded-for": "203.0.113.7" });
  Object.defineProperty(req.socket, "remoteAddress", { value: "10.0.0.1" });
  new AccessLog(proxied.logger, ["10.0.0.0/8"]).write(req, entry);
  const [line = "{}"] = proxied.lines;
  const parsed = JSON.parse(line) as Record<string, unknown>;
  t.is(parsed["clientIp"], "203.0.113.7");
  t.is(parsed["method"], "POST");
});

test("times: epoch milliseconds from pino's default clock, durations in milliseconds to the microsecond, a custom timestamp kept", (t) => {
  const before = Date.now();
  const { logger, lines } = capture();
  for (const [durationUs, backendMs] of [[2_346, 1.25], [17, 0.0004], [12_003, 12.0015], [1_234_567, 1234.5]] as const) {
    new AccessLog(logger, []).write(request("GET"), { ...entry, durationUs, backendMs });
  }
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const after = Date.now();
  for (const line of parsed) {
    const time = line["time"] as number;
    t.true(Number.isInteger(time) && time >= before && time <= after, `time ${time}`);
  }
  t.deepEqual(parsed.map((line) => line["durationMs"]), [2.346, 0.017, 12.003, 1234.567]);
  t.regex(lines[1] ?? "", /"durationMs":0\.017,/);
  t.deepEqual(parsed.map((line) => line["backendMs"]), [1.25, 0, 12.002, 1234.5]);
  t.regex(lines[1] ?? "", /"backendMs":0\.000,/);

  const iso = capture({ timestamp: pino.stdTimeFunctions.isoTime });
  new AccessLog(iso.logger, []).write(request("GET"), entry);
  t.regex(iso.lines[0] ?? "", /^\{"level":30,"time":"\d{4}-\d\d-\d\dT[\d:.]+Z","msg":"request",/);
});
