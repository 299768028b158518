/**
 * A proto that cannot be used: a syntax error, a missing import, an invalid HTTP rule.
 * `protogate generate` prints the message on one line and exits 2, so the message starts
 * with `file:line:` and names the RPC when there is one.
 */
export class ProtoError extends Error {
  override name = "ProtoError";
  constructor(
    /** File relative to its proto root, e.g. `library/v1/library.proto`. */
    readonly file: string,
    /** 1-based line, or 0 when unknown. */
    readonly line: number,
    /** What is wrong, without the location. */
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

export function isProtoError(value: unknown): value is ProtoError {
  return value instanceof ProtoError;
}
