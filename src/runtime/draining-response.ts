import { ServerResponse } from "node:http";
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders } from "node:http";

/** The response class for createServer, and the switch that makes it close connections. */
export interface DrainingResponses {
  readonly ServerResponse: typeof ServerResponse<IncomingMessage>;
  /** From now on every response head says `Connection: close`, and its connection ends with it. */
  drain(): void;
}

/**
 * Shutdown without per-request bookkeeping: rather than keep every unanswered response
 * (and a close listener each) to mark them when shutdown begins, the mark is taken when a
 * head is written. Every head goes through writeHead (node's implicit header calls it too),
 * so a response answered after drain() closes its keep-alive connection, and one answered
 * before keeps it, as before.
 */
export function drainingResponses(): DrainingResponses {
  let draining = false;
  class DrainingResponse extends ServerResponse<IncomingMessage> {
    override writeHead(
      statusCode: number,
      reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
      headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
    ): this {
      // node:http then writes `Connection: close` and ends the socket after this answer.
      if (draining) this.shouldKeepAlive = false;
      // node:http's writeHead takes the headers in the second place when no reason is given.
      return super.writeHead(statusCode, reasonOrHeaders as string | undefined, headers);
    }
  }
  return {
    ServerResponse: DrainingResponse,
    drain: () => {
      draining = true;
    },
  };
}
