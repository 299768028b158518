/**
 * A `google.api.http` path template that does not follow the grammar. `protogate generate`
 * prints the message on one line and exits 2, so it names the template, the rule broken
 * and where: `invalid path template "/v1/{a": unclosed variable at column 5`.
 */
export class TemplateSyntaxError extends Error {
  override name = "TemplateSyntaxError";
  /** The template exactly as written in the proto. */
  readonly template: string;
  /** 1-based UTF-16 column of the offending character (length + 1 for "at the end"). */
  readonly column: number;
  /** The rule broken, without the template or column: `unclosed variable`. */
  readonly reason: string;

  constructor(template: string, column: number, reason: string) {
    super(`invalid path template ${JSON.stringify(template)}: ${reason} at column ${column}`);
    this.template = template;
    this.column = column;
    this.reason = reason;
  }
}

export function isTemplateSyntaxError(value: unknown): value is TemplateSyntaxError {
  return value instanceof TemplateSyntaxError;
}
