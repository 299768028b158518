/**
 * A config file (or a config-related flag) that cannot be used. The CLI prints the
 * message on one line and exits 2, so it names the file, the line, the key path and
 * what is wrong: `config.yaml:3: shutdown.gracePeriod: "soon" is not a duration (use e.g. 1m, 30s, 500ms)`.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** The config file as the user named it, or undefined (a flag, or a bare value parser). */
  readonly file: string | undefined;
  /** 1-based line in `file`, when known. */
  readonly line: number | undefined;
  /** `rules[2].rateLimit.per`; "" for the file as a whole. */
  readonly keyPath: string;
  /** What is wrong, without the location: `"soon" is not a duration (use e.g. 1m, 30s, 500ms)`. */
  readonly reason: string;

  constructor(reason: string, location: ConfigLocation = {}, options?: { cause?: unknown }) {
    super(formatMessage(reason, location), options);
    this.reason = reason;
    this.file = location.file;
    this.line = location.line;
    this.keyPath = location.keyPath ?? "";
  }

  /** The same reason at a location; parsers throw bare reasons and the loader places them. */
  at(location: ConfigLocation): ConfigError {
    return new ConfigError(this.reason, location, { cause: this.cause });
  }
}

export interface ConfigLocation {
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly keyPath?: string | undefined;
}

export function isConfigError(value: unknown): value is ConfigError {
  return value instanceof ConfigError;
}

function formatMessage(reason: string, { file, line, keyPath }: ConfigLocation): string {
  const parts: string[] = [];
  if (file !== undefined) parts.push(line === undefined ? file : `${file}:${line}`);
  if (keyPath !== undefined && keyPath !== "") parts.push(keyPath);
  parts.push(reason);
  return parts.join(": ");
}
