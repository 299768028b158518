/**
 * An invalid `google.api.http` rule. The message names the rpc and the problem; `at`
 * (file and line of the rpc) is filled by whoever knows it, and the CLI prints
 * `file:line: message` and exits 2.
 */
export class HttpRuleError extends Error {
  override name = "HttpRuleError";
  constructor(
    message: string,
    readonly at?: { readonly file: string; readonly line: number },
  ) {
    super(at === undefined ? message : `${at.file}:${at.line}: ${message}`);
  }
}
