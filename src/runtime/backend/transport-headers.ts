/**
 * HTTP/2 and gRPC protocol headers that arrive among a backend's response headers and
 * trailers but are not its application metadata. Each transport drops them where it
 * receives them, so UnaryResponse, ResponseStream and BackendStatusError carry only
 * what the backend's code set (grpc-status-details-bin is parsed into statusDetails).
 */
const TRANSPORT_HEADERS = new Set(["content-type", "date", "te", "content-length", "accept-encoding", "user-agent"]);

export function isTransportHeader(key: string): boolean {
  return key.startsWith(":") || key.startsWith("grpc-") || TRANSPORT_HEADERS.has(key);
}
