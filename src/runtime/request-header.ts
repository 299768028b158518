import type { IncomingMessage } from "node:http";

/**
 * A request header as one string, undefined when absent or empty. Node joins repeated
 * headers with ", " (only Set-Cookie stays an array), which is what Koa's `ctx.get` sees too.
 */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value.join(", ") : value;
  return text === undefined || text === "" ? undefined : text;
}
