import type { FieldPath } from "../model/field-path.js";

/**
 * A request value the codec cannot accept. `message` is the whole sentence the client
 * reads (it names the field path or the query parameter as the client spelled it), so
 * the runtime only maps it to a 400 INVALID_ARGUMENT.
 */
export class FieldError extends Error {
  override name = "FieldError";
  constructor(
    message: string,
    /** The field at fault, in proto names, when there is one. */
    readonly path: FieldPath = [],
  ) {
    super(message);
  }
}

/** The codec met data it cannot handle that the client did not send (a backend reply). */
export class CodecError extends Error {
  override name = "CodecError";
}
