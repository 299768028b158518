import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import test from "ava";
import { POLICY_METHODS, POLICY_PROTOS, get } from "../helpers/policy-gateway.js";
import type { Answer } from "../helpers/policy-gateway.js";
import { startEchoBackend } from "../helpers/start-echo-backend.js";
import type { EchoBackend } from "../helpers/start-echo-backend.js";
import { runCli, startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

// The fixture's GetSecret requires auth, so every config names a provider.
const CONFIG = `auth:
  providers:
    - { id: main, secret: workers-e2e-secret }
rules:
  - selector: policy.v1.PolicyService.GetOpen
    rateLimit: { requests: 5, per: 1m }
`;

interface Cluster {
  readonly backend: EchoBackend;
  readonly gateway: GatewayProcess;
}

async function startCluster(t: { teardown(fn: () => Promise<void> | void): void }, workers: string): Promise<Cluster> {
  const backend = await startEchoBackend(POLICY_METHODS);
  const files = writeTempFiles({ "config.yaml": CONFIG });
  t.teardown(async () => {
    await backend.stop();
    files.cleanup();
  });
  const gateway = await startGateway(["--workers", workers, "--proto-path", POLICY_PROTOS, "--backend", backend.address, "--config", `${files.dir}/config.yaml`]);
  t.teardown(async () => {
    await gateway.stop("SIGKILL");
  });
  return { backend, gateway };
}

/** The pids of `pid`'s child processes (the cluster's workers), from /proc. */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children.sort((a, b) => a - b);
}

/** Access-log lines of the process output whose path starts with `prefix`. */
function accessLines(output: string, prefix: string): { pid?: number; status?: number }[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { msg?: string; path?: string; pid?: number; status?: number })
    .filter((entry) => entry.msg === "request" && entry.path?.startsWith(prefix) === true);
}

async function waitFor(condition: () => boolean, what: string, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}:\n${output()}`);
}

function count(answers: readonly Answer[], status: number): number {
  return answers.filter((a) => a.status === status).length;
}

test("workers e2e: --workers 2 prints one ready line, runs two workers on the one port and spreads requests over both", async (t) => {
  const { backend, gateway } = await startCluster(t, "2");
  const pid = gateway.process.pid as number;
  t.is(childPids(pid).length, 2);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => get(`${gateway.url}/v1/optional/${i}`)));
  t.is(count(answers, 200), 40);
  t.is(backend.calls.length, 40);
  await waitFor(() => accessLines(gateway.output(), "/v1/optional/").length === 40, "40 access-log lines", gateway.output);
  const pids = new Set(accessLines(gateway.output(), "/v1/optional/").map((line) => line.pid));
  // Both workers answered on the address of the one ready line (listen 127.0.0.1:0 included).
  t.deepEqual([...pids].sort(), childPids(pid));
  t.is(gateway.output().match(/protogate listening on/g)?.length, 1);
  t.is(await gateway.stop("SIGTERM"), 0);
  // Each worker drained and stopped, then the primary.
  t.is(gateway.output().match(/"msg":"stopped"/g)?.length, 3);
});

test("workers e2e: the in-memory rate limit is one budget across workers; /metrics sums every worker", async (t) => {
  const { backend, gateway } = await startCluster(t, "2");
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`${gateway.url}/v1/open/${i}`)));
  t.is(count(answers, 200), 5);
  t.is(count(answers, 429), 15);
  t.is(backend.calls.length, 5);
  await waitFor(() => accessLines(gateway.output(), "/v1/open/").length === 20, "20 access-log lines", gateway.output);
  // Both workers took part, so a per-worker budget would have let 10 through.
  t.is(new Set(accessLines(gateway.output(), "/v1/open/").map((line) => line.pid)).size, 2);
  // Whichever worker answers /metrics, it reports what both counted.
  for (let i = 0; i < 4; i++) {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    t.regex(metrics, /^protogate_rate_limit_rejections_total\{rpc="policy\.v1\.PolicyService\.GetOpen"\} 15$/m);
    t.regex(metrics, /^protogate_http_requests_total\{rpc="policy\.v1\.PolicyService\.GetOpen",code="200",grpc_code="OK"\} 5$/m);
  }
  t.is(await gateway.stop("SIGTERM"), 0);
});

test("workers e2e: a worker that dies is restarted and serves again; SIGINT still exits 0", async (t) => {
  const { gateway } = await startCluster(t, "2");
  const pid = gateway.process.pid as number;
  const [victim] = childPids(pid) as [number];
  process.kill(victim, "SIGKILL");
  await waitFor(() => gateway.output().includes("restarted worker listening"), "the restarted worker", gateway.output);
  t.regex(gateway.output(), /"msg":"worker exited; restarting it"/);
  const workers = childPids(pid);
  t.is(workers.length, 2);
  t.false(workers.includes(victim));
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`${gateway.url}/v1/optional/${i}`)));
  t.is(count(answers, 200), 20);
  t.is(await gateway.stop("SIGINT"), 0);
});

test("workers e2e: a bad config with --workers 2 exits 2 with the one-line error before forking", async (t) => {
  const files = writeTempFiles({ "config.yaml": "shutdown:\n  gracePeriod: soon\n" });
  t.teardown(() => files.cleanup());
  const result = await runCli(["serve", "--workers", "2", "--listen", "127.0.0.1:0", "--proto-path", POLICY_PROTOS, "--config", `${files.dir}/config.yaml`]);
  t.is(result.code, 2);
  t.regex(result.stderr, /^protogate: .*config\.yaml:2: shutdown\.gracePeriod: .*\n$/);
  t.notRegex(result.stdout, /listening/);
});

for (const bad of ["0", "x", "-1", "1.5"]) {
  test(`workers e2e: --workers ${bad} is a usage error (exit 2)`, async (t) => {
    const result = await runCli(["serve", `--workers=${bad}`, "--listen", "127.0.0.1:0", "--proto-path", POLICY_PROTOS]);
    t.is(result.code, 2);
    t.regex(result.stderr, /--workers must be a whole number/);
    t.notRegex(result.stdout, /listening/);
  });
}

test("workers e2e: a policy error (an RPC requires auth, no provider) exits 2 once, from the primary", async (t) => {
  const result = await runCli(["serve", "--workers", "2", "--listen", "127.0.0.1:0", "--proto-path", POLICY_PROTOS, "--backend", "127.0.0.1:1"]);
  t.is(result.code, 2);
  t.regex(result.stderr, /^protogate: auth\.providers: .*requires auth, but auth\.providers is empty\n$/);
});

test("workers e2e: workers that cannot listen (port in use) make the primary exit 1 instead of hanging", async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const files = writeTempFiles({ "config.yaml": CONFIG });
  t.teardown(() => files.cleanup());
  const result = await runCli(["serve", "--workers", "2", "--listen", `127.0.0.1:${port}`, "--proto-path", POLICY_PROTOS, "--backend", "127.0.0.1:1", "--config", `${files.dir}/config.yaml`]);
  t.is(result.code, 1);
  t.regex(result.stderr, /EADDRINUSE/);
  t.notRegex(result.stdout, /listening on/);
});
