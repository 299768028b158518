import type { GrpcRetryPolicy } from "./grpc-js-transport.js";
import type { Transport, UnaryRequest, UnaryResponse } from "./transport.js";
import { BackendStatusError } from "./transport.js";

const UNAVAILABLE = 14;

/**
 * Retries unary calls of the listed (idempotent) methods on UNAVAILABLE, with
 * exponential backoff and jitter (gRFC A6's policy, which grpc-js applies itself), for
 * transports that have no retry of their own. Never past the call's deadline or abort.
 * Streaming calls pass through untouched.
 */
export function withRetries(transport: Transport, policy: GrpcRetryPolicy | undefined): Transport {
  if (policy === undefined || policy.methods.length === 0 || policy.maxAttempts < 2) return transport;
  const paths = new Set(policy.methods.map(({ service, method }) => `/${service}/${method}`));
  const unary = async (request: UnaryRequest): Promise<UnaryResponse> => {
    if (!paths.has(request.path)) return transport.unary(request);
    let backoff = policy.initialBackoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await transport.unary(request);
      } catch (error: unknown) {
        const wait = Math.random() * backoff;
        const retryable =
          error instanceof BackendStatusError &&
          error.code === UNAVAILABLE &&
          attempt < policy.maxAttempts &&
          request.signal?.aborted !== true &&
          (request.deadline === undefined || Date.now() + wait < request.deadline);
        if (!retryable) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
        backoff = Math.min(backoff * 2, policy.maxBackoffMs);
      }
    }
  };
  return {
    unary,
    serverStream: (request) => transport.serverStream(request),
    clientStream: (request) => transport.clientStream(request),
    bidiStream: (request) => transport.bidiStream(request),
    close: () => transport.close(),
  };
}
