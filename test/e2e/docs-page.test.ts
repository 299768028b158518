import anyTest from "ava";
import type { TestFn } from "ava";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { EXAMPLE_PROTOS } from "../helpers/paths.js";
import { startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// .ci/run installs chromium; only a developer machine without it may skip the browser test.
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env["CI"] !== undefined && process.env["CI"] !== "";

interface Context {
  readonly gateway: GatewayProcess;
  readonly cleanup: () => void;
}
const test = anyTest as TestFn<Context>;

// An auth provider and a rule, so the page also shows the security scheme; the backend need not answer.
const CONFIG = `
auth:
  providers:
    - { id: main, secret: docs-page-test-secret }
rules:
  - selector: "library.v1.LibraryService.CreateBook"
    auth: { provider: main, scopes: [books.write] }
`;

test.before(async (t) => {
  const files = writeTempFiles({ "gateway.yaml": CONFIG });
  const gateway = await startGateway(["--config", `${files.dir}/gateway.yaml`, "--proto-path", EXAMPLE_PROTOS, "--backend", "127.0.0.1:1"]);
  t.context = { gateway, cleanup: files.cleanup };
});
test.after.always(async (t) => {
  await t.context.gateway?.stop();
  t.context.cleanup?.();
});

interface OpenApiLike {
  paths: Record<string, Record<string, { operationId?: string }>>;
}

/** The operations a renderer can show: standard methods only (custom kinds live under an x- key). */
function standardOperations(doc: OpenApiLike): { path: string; method: string }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => !m.startsWith("x-"))
      .map((method) => ({ path, method })),
  );
}

test("docs page: /docs redirects to /docs/, which is HTML with a same-origin CSP", async (t) => {
  const redirect = await fetch(`${t.context.gateway.url}/docs?x=1`, { redirect: "manual" });
  t.is(redirect.status, 301);
  t.is(redirect.headers.get("location"), "/docs/?x=1");
  const page = await fetch(`${t.context.gateway.url}/docs/`);
  t.is(page.status, 200);
  t.is(page.headers.get("content-type"), "text/html; charset=utf-8");
  t.regex(page.headers.get("content-security-policy") ?? "", /^default-src 'self'; /);
  const html = await page.text();
  t.true(html.includes('<script src="swagger-ui-bundle.js"></script>'));
  t.false(/https?:\/\//.test(html), "the page loads nothing from another origin");
});

test("docs page: serve's /openapi.json carries the config's security scheme and CreateBook's requirement", async (t) => {
  const doc = (await (await fetch(`${t.context.gateway.url}/openapi.json`)).json()) as {
    components: { securitySchemes?: Record<string, { scheme: string }> };
    paths: Record<string, Record<string, { security?: unknown }>>;
  };
  t.is(doc.components.securitySchemes?.["main"]?.scheme, "bearer");
  t.deepEqual(doc.paths["/v1/{parent}/books"]?.["post"]?.security, [{ main: ["books.write"] }]);
  t.is(doc.paths["/v1/{parent}/books"]?.["get"]?.security, undefined);
});

const assetCase = test.macro({
  exec: async (t, path: string, type: string) => {
    const response = await fetch(`${t.context.gateway.url}${path}`);
    t.is(response.status, 200);
    t.is(response.headers.get("content-type"), type);
    t.is(response.headers.get("x-content-type-options"), "nosniff");
    t.true((await response.arrayBuffer()).byteLength > 0);
  },
  title: (_, path) => `docs page: ${path} is served from node_modules with its content type`,
});
test(assetCase, "/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8");
test(assetCase, "/docs/swagger-ui.css", "text/css; charset=utf-8");
test(assetCase, "/docs/favicon-32x32.png", "image/png");
test(assetCase, "/docs/docs-init.js", "text/javascript; charset=utf-8");

test("docs page: other paths under /docs/ and other methods are not the page's (404 Status from routing)", async (t) => {
  const missing = await fetch(`${t.context.gateway.url}/docs/index.html`);
  t.is(missing.status, 404);
  t.is(((await missing.json()) as { code: number }).code, 5);
  const post = await fetch(`${t.context.gateway.url}/docs/`, { method: "POST" });
  t.is(post.status, 404);
  t.is(((await post.json()) as { code: number }).code, 5);
});

const browserTest = HAVE_CHROMIUM || IN_CI ? test : test.skip;
if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`docs page: SKIPPING the headless-browser test: ${CHROMIUM} is missing (apt-get install chromium; CI installs it and never skips)`);
}

browserTest("docs page: headless Chromium renders every operation of /openapi.json, loading nothing from elsewhere", async (t) => {
  t.true(HAVE_CHROMIUM, `${CHROMIUM} is missing: .ci/run must install Debian chromium`);
  const { url } = t.context.gateway;
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as OpenApiLike;
  const expected = standardOperations(doc);
  const profile = writeTempFiles({});
  const context = await chromium.launchPersistentContext(profile.dir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const foreign: string[] = [];
    const problems: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(url) && !request.url().startsWith("data:")) foreign.push(request.url());
    });
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));

    await page.goto(`${url}/docs`);
    await page.waitForSelector(".opblock .opblock-summary-path", { timeout: 30_000 });
    const shown = await page.$$eval(".opblock", (blocks) =>
      blocks.map((b) => ({
        method: b.querySelector(".opblock-summary-method")?.textContent?.trim().toLowerCase() ?? "",
        path: b.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "",
        summary: b.querySelector(".opblock-summary-description")?.textContent?.trim() ?? "",
      })),
    );
    const key = (o: { path: string; method: string }): string => `${o.method} ${o.path}`;
    t.deepEqual(shown.map(key).sort(), expected.map(key).sort());
    t.true(shown.some((o) => o.method === "get" && o.path === "/v1/shelves/{shelf}/books/{book}" && o.summary === "Gets a book by resource name."));
    t.true(shown.some((o) => o.method === "get" && o.path === "/v1/{parent}/books:stream"));
    const body = await page.textContent("body");
    t.true(body?.includes("LibraryService") ?? false, "the service tag is shown");
    t.true((await page.locator("button.authorize").count()) > 0, "the auth provider shows as a security scheme");
    t.deepEqual(foreign, []);
    t.deepEqual(problems, []);
  } finally {
    await context.close();
    profile.cleanup();
  }
});
