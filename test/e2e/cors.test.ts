import anyTest from "ava";
import type { TestFn } from "ava";
import { OPS_PROTOS, startOpsBackend } from "../helpers/start-ops-backend.js";
import type { OpsBackend } from "../helpers/start-ops-backend.js";
import { startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

const test = anyTest as TestFn<{ backend: OpsBackend; gateway: GatewayProcess; cleanup: () => void }>;
const ORIGIN = "https://app.example";

test.before(async (t) => {
  const backend = await startOpsBackend();
  const files = writeTempFiles({
    "config.yaml": `backends: [{ selector: "*", address: "${backend.address}" }]\ncors: { origins: ["${ORIGIN}"], credentials: true, maxAge: 10m, headers: [X-Tenant] }\n`,
  });
  const gateway = await startGateway(["--proto-path", OPS_PROTOS, "--config", `${files.dir}/config.yaml`]);
  t.context = { backend, gateway, cleanup: files.cleanup };
});
test.after.always(async (t) => {
  await t.context.gateway.stop();
  await t.context.backend.stop();
  t.context.cleanup();
});

const preflight = (url: string, origin: string, method: string, headers = ""): Promise<Response> =>
  fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, ...(headers === "" ? {} : { "access-control-request-headers": headers }) },
  });

test("cors: a preflight on a transcoded path is 204 with the route table's methods for that path", async (t) => {
  const response = await preflight(`${t.context.gateway.url}/v1/items/abc`, ORIGIN, "GET", "authorization, grpc-metadata-x-tenant-id");
  t.is(response.status, 204);
  t.is(response.headers.get("access-control-allow-origin"), ORIGIN);
  t.is(response.headers.get("access-control-allow-methods"), "GET");
  t.is(response.headers.get("access-control-allow-credentials"), "true");
  t.is(response.headers.get("access-control-max-age"), "600");
  t.is(response.headers.get("allow"), "GET, OPTIONS");
  const allowed = (response.headers.get("access-control-allow-headers") ?? "").split(", ");
  for (const name of ["authorization", "content-type", "x-request-id", "traceparent", "x-tenant", "grpc-metadata-x-tenant-id"]) t.true(allowed.includes(name), name);
  t.regex(response.headers.get("vary") ?? "", /Origin/);
  t.is(t.context.backend.calls.length, 0, "a preflight never reaches the backend");
});

test("cors: a preflight on a POST-only path lists POST", async (t) => {
  const response = await preflight(`${t.context.gateway.url}/v1/items?x=1`, ORIGIN, "POST", "content-type");
  t.is(response.status, 204);
  t.is(response.headers.get("access-control-allow-methods"), "POST");
});

test("cors: a preflight from an origin not listed gets no CORS headers (the browser refuses)", async (t) => {
  const response = await preflight(`${t.context.gateway.url}/v1/items/abc`, "https://evil.example", "GET");
  t.is(response.status, 204);
  t.is(response.headers.get("access-control-allow-origin"), null);
  t.is(response.headers.get("access-control-allow-methods"), null);
});

test("cors: OPTIONS on a path no route has is still 404", async (t) => {
  const response = await preflight(`${t.context.gateway.url}/v2/nothing`, ORIGIN, "GET");
  t.is(response.status, 404);
  t.is(((await response.json()) as { code: number }).code, 5);
});

test("cors: an actual request from an allowed origin exposes Grpc-Metadata-*, X-Request-Id and the RateLimit set", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/items/abc`, { headers: { origin: ORIGIN } });
  t.is(response.status, 200);
  t.is(response.headers.get("access-control-allow-origin"), ORIGIN);
  t.is(response.headers.get("access-control-allow-credentials"), "true");
  const exposed = (response.headers.get("access-control-expose-headers") ?? "").split(", ");
  for (const name of ["X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "grpc-metadata-x-ops-version"]) {
    t.true(exposed.includes(name), `${name} in ${exposed.join(", ")}`);
  }
});

test("cors: an error answer carries the CORS headers too", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v2/nothing`, { headers: { origin: ORIGIN } });
  t.is(response.status, 404);
  t.is(response.headers.get("access-control-allow-origin"), ORIGIN);
});
