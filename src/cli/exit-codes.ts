/** Process exit codes. SPEC §1. */
export const ExitCode = {
  OK: 0,
  /** A runtime failure: a port in use, a crash of a dependency. */
  FAILURE: 1,
  /** Bad usage or bad input: a flag, a proto, a config file. */
  BAD_INPUT: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Wrong flags or arguments. */
export class UsageError extends Error {
  override name = "UsageError";
}
