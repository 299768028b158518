import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Middleware } from "koa";
import { Code, GatewayError } from "../errors/gateway-error.js";

/** Under this prefix; `/docs` itself redirects to `/docs/` so the page's relative URLs resolve. */
/** Where the docs page lives: `/docs` and everything under `/docs/` (its own files). */
export const DOCS_PREFIX = "/docs";
const PREFIX = DOCS_PREFIX;

/** The Swagger UI files the page needs (the bundle has no other runtime assets), from node_modules. */
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

// Relative URLs, so the page also works behind a proxy that mounts the gateway under a path.
const INDEX_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>API docs</title>
    <link rel="stylesheet" href="swagger-ui.css">
    <link rel="icon" type="image/png" href="favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="swagger-ui-bundle.js"></script>
    <script src="docs-init.js"></script>
  </body>
</html>
`;

// BaseLayout: no top bar, so the page cannot be pointed at another document (?url=…);
// validatorUrl null: the page never calls an outside validator.
const INIT_JS = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "../openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null
  });
});
`;

// Everything from this origin; Swagger UI sets inline styles and data: images.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** Reads the page's files once. Undefined when swagger-ui-dist is not installed: then /docs answers UNAVAILABLE. */
function loadAssets(): Map<string, Asset> | undefined {
  const files = new Map<string, Asset>();
  files.set("", { type: "text/html; charset=utf-8", body: Buffer.from(INDEX_HTML) });
  files.set("docs-init.js", { type: "text/javascript; charset=utf-8", body: Buffer.from(INIT_JS) });
  try {
    const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
    for (const [name, type] of Object.entries(ASSETS)) files.set(name, { type, body: readFileSync(join(dir, name)) });
  } catch {
    return undefined;
  }
  return files;
}

/**
 * `/docs/`: a Swagger UI page that renders `/openapi.json`, served from node_modules (no
 * CDN; nothing is fetched at run time). Owns only its own file names: any other path,
 * and any method but GET/HEAD, goes on to the next middleware.
 */
export function docsPage(): Middleware {
  const assets = loadAssets();
  return async (ctx, next) => {
    if (ctx.method !== "GET" && ctx.method !== "HEAD") return next();
    if (ctx.path === PREFIX) {
      const query = ctx.querystring === "" ? "" : `?${ctx.querystring}`;
      ctx.status = 301;
      ctx.redirect(`${PREFIX}/${query}`);
      return undefined;
    }
    if (!ctx.path.startsWith(`${PREFIX}/`)) return next();
    const name = ctx.path.slice(PREFIX.length + 1);
    if (assets === undefined) {
      if (name === "" || name === "docs-init.js" || ASSETS[name] !== undefined) {
        throw new GatewayError(Code.UNAVAILABLE, "the docs page is not installed (swagger-ui-dist is missing)");
      }
      return next();
    }
    const asset = assets.get(name);
    if (asset === undefined) return next();
    ctx.status = 200;
    ctx.type = asset.type;
    ctx.set("Cache-Control", name === "" || name === "docs-init.js" ? "no-cache" : "public, max-age=86400");
    ctx.set("X-Content-Type-Options", "nosniff");
    if (name === "") ctx.set("Content-Security-Policy", CSP);
    ctx.body = asset.body;
    return undefined;
  };
}
