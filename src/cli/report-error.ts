import { ExitCode, UsageError } from "./exit-codes.js";

/** Error names that mean "your input is wrong" (exit 2) rather than "we failed" (exit 1). */
const BAD_INPUT_ERRORS = new Set([
  UsageError.name,
  "ConfigError",
  "ProtoError",
  "TemplateSyntaxError",
  "HttpRuleError",
  "RouteTableError",
  "NoBackendError",
]);

export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof Error && BAD_INPUT_ERRORS.has(error.name) ? ExitCode.BAD_INPUT : ExitCode.FAILURE;
}
