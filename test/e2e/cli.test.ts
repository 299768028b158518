import test from "ava";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { CLI, EXAMPLE_PROTOS } from "../helpers/paths.js";
import { runCli, startGateway } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";
import { startEchoBackend } from "../helpers/start-echo-backend.js";
import { ECHO_METHODS, ECHO_PROTOS } from "../helpers/echo-gateway.js";

// `npx --no-install protogate` runs package.json's bin file itself (SPEC §1): tsc writes it 0644.
test("cli: the built bin (dist/src/cli/main.js) is executable, and its shebang runs node with single-threaded GC", (t) => {
  t.is(statSync(CLI).mode & 0o111, 0o111);
  t.true(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env -S node --single-threaded-gc\n"));
  // Run as npx runs it: the file itself, through its shebang.
  t.regex(execFileSync(CLI, ["--version"], { encoding: "utf8" }), /^\d+\.\d+\.\d+/);
});

test("cli: --help and --version exit 0", async (t) => {
  const help = await runCli(["--help"]);
  t.is(help.code, 0);
  t.regex(help.stdout, /Usage: protogate <command>/);
  for (const command of ["generate", "serve", "openapi"]) {
    const sub = await runCli([command, "--help"]);
    t.is(sub.code, 0, command);
    t.regex(sub.stdout, new RegExp(`Usage: protogate ${command}`));
  }
  const version = await runCli(["--version"]);
  t.is(version.code, 0);
  t.regex(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test("cli: an unknown command or flag is exit 2 with one line", async (t) => {
  const unknown = await runCli(["frobnicate"]);
  t.is(unknown.code, 2);
  t.is(unknown.stderr, 'protogate: unknown command "frobnicate" (expected generate, serve or openapi; see protogate --help)\n');
  const flag = await runCli(["generate", "--nope"]);
  t.is(flag.code, 2);
  t.regex(flag.stderr, /^protogate: generate: .*--nope.*\n$/);
});

test("cli: a proto with a syntax error is exit 2 naming file and line", async (t) => {
  const files = writeTempFiles({ "bad/v1/bad.proto": 'syntax = "proto3";\npackage bad.v1;\nmessage A {\n  string x = ;\n}\n' });
  const result = await runCli(["generate", "--proto-path", files.dir, "--out", `${files.dir}/out`]);
  files.cleanup();
  t.is(result.code, 2);
  t.regex(result.stderr, /^protogate: bad\/v1\/bad\.proto:4\b.*\n$/);
});

test("cli: an invalid HTTP rule is exit 2 naming file, rpc and problem", async (t) => {
  const files = writeTempFiles({
    "bad/v1/rule.proto": [
      'syntax = "proto3";',
      "package bad.v1;",
      'import "google/api/annotations.proto";',
      "message R { string name = 1; }",
      "service S {",
      '  rpc Get(R) returns (R) { option (google.api.http) = { get: "/v1/{missing}" }; }',
      "}",
      "",
    ].join("\n"),
  });
  const result = await runCli(["generate", "--proto-path", files.dir, "--out", `${files.dir}/out`]);
  files.cleanup();
  t.is(result.code, 2);
  t.regex(result.stderr, /^protogate: bad\/v1\/rule\.proto:6\b.*bad\.v1\.S\.Get.*missing.*\n$/);
});

test("cli: a bad config is exit 2 naming the key path", async (t) => {
  const files = writeTempFiles({ "config.yaml": "listen: 127.0.0.1:0\nshutdown:\n  gracePeriod: soon\n" });
  const result = await runCli(["serve", "--config", `${files.dir}/config.yaml`, "--proto-path", EXAMPLE_PROTOS]);
  files.cleanup();
  t.is(result.code, 2);
  t.regex(result.stderr, /^protogate: .*config\.yaml:3.*shutdown\.gracePeriod.*\n$/);
});

test("cli: generate writes the route table and OpenAPI; serve --generated runs it", async (t) => {
  const files = writeTempFiles({});
  const generated = await runCli(["generate", "--proto-path", ECHO_PROTOS, "--out", `${files.dir}/gen`]);
  t.is(generated.code, 0, generated.stderr);
  t.deepEqual(readdirSync(`${files.dir}/gen`).sort(), ["openapi.json", "route-table.json"]);
  const openapi = JSON.parse(readFileSync(`${files.dir}/gen/openapi.json`, "utf8")) as { openapi: string };
  t.regex(openapi.openapi, /^3\.1/);

  const backend = await startEchoBackend(ECHO_METHODS);
  const gateway = await startGateway(["--generated", `${files.dir}/gen`, "--backend", backend.address]);
  try {
    const response = await fetch(`${gateway.url}/v1/things/abc?i32=3`);
    t.is(response.status, 200);
    t.like((await response.json()) as object, { id: "abc", i32: 3 });
  } finally {
    t.is(await gateway.stop(), 0);
    await backend.stop();
    files.cleanup();
  }
});

test("cli: openapi writes a 3.1 document to stdout", async (t) => {
  const result = await runCli(["openapi", "--proto-path", ECHO_PROTOS]);
  t.is(result.code, 0, result.stderr);
  const document = JSON.parse(result.stdout) as { openapi: string; paths: Record<string, unknown> };
  t.regex(document.openapi, /^3\.1/);
  t.truthy(document.paths["/v1/things/{id}"]);
});

test("serve: an unreachable backend is 503 UNAVAILABLE, quickly", async (t) => {
  const gateway = await startGateway(["--proto-path", ECHO_PROTOS, "--backend", "127.0.0.1:1"]);
  try {
    const response = await fetch(`${gateway.url}/v1/things/abc`);
    t.is(response.status, 503);
    t.like((await response.json()) as object, { code: 14, details: [] });
  } finally {
    await gateway.stop();
  }
});

test("serve: emitUnpopulated is on by default: every field appears", async (t) => {
  const backend = await startEchoBackend(ECHO_METHODS);
  const gateway = await startGateway(["--proto-path", ECHO_PROTOS, "--backend", backend.address]);
  try {
    const body = (await (await fetch(`${gateway.url}/v1/things/abc`)).json()) as Record<string, unknown>;
    t.like(body, { id: "abc", i32: 0, i64: "0", flag: false, data: "", color: "COLOR_UNSPECIFIED", tags: [], labels: {}, nested: null, when: null });
    t.false("maybe" in body, "proto3 optional appears only when set");
    t.false("choiceA" in body, "oneof members appear only when set");
  } finally {
    await gateway.stop();
    await backend.stop();
  }
});

test("serve: SIGTERM stops the gateway with exit 0", async (t) => {
  const backend = await startEchoBackend(ECHO_METHODS);
  const gateway = await startGateway(["--proto-path", ECHO_PROTOS, "--backend", backend.address]);
  const ready = await fetch(`${gateway.url}/readyz`);
  t.is(ready.status, 200);
  t.is(await gateway.stop("SIGTERM"), 0);
  await backend.stop();
});

test("cli: bindings OpenAPI cannot tell apart (`/v1/{name}`, `/v1/{name=**}`) are both served, and the docs note the second", async (t) => {
  const files = writeTempFiles({
    "pair/v1/pair.proto": [
      'syntax = "proto3";',
      "package pair.v1;",
      'import "google/api/annotations.proto";',
      "message M { string name = 1; }",
      "service S {",
      '  rpc One(M) returns (M) { option (google.api.http) = { get: "/v1/{name}" }; }',
      '  rpc Deep(M) returns (M) { option (google.api.http) = { get: "/v1/{name=**}" }; }',
      "}",
      "",
    ].join("\n"),
  });
  const backend = await startEchoBackend(["/pair.v1.S/One", "/pair.v1.S/Deep"]);
  const gateway = await startGateway(["--proto-path", files.dir, "--backend", backend.address]);
  try {
    const one = await fetch(`${gateway.url}/v1/a`);
    const deep = await fetch(`${gateway.url}/v1/a/b/c`);
    t.is(one.status, 200);
    t.deepEqual(await one.json(), { name: "a" });
    t.is(deep.status, 200);
    t.deepEqual(await deep.json(), { name: "a/b/c" });
    t.deepEqual(backend.calls.map((call) => call.path), ["/pair.v1.S/One", "/pair.v1.S/Deep"]);
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { description?: string } }> };
    t.regex(doc.paths["/v1/{name}"]?.get?.description ?? "", /Also served here: GET \/v1\/\{name=\*\*\} \(rpc pair\.v1\.S\.Deep\)/);
    const generated = await runCli(["generate", "--proto-path", files.dir, "--out", `${files.dir}/out`]);
    t.is(generated.code, 0, generated.stderr);
  } finally {
    await gateway.stop();
    await backend.stop();
    files.cleanup();
  }
});
