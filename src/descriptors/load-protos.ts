import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { ProtoError } from "./proto-error.js";

/** googleapis + well-known protos shipped with protogate (SPEC §1), at the package root. */
export const BUNDLED_PROTO_DIR = fileURLToPath(new URL("../../../bundled/", import.meta.url));

/**
 * Loaded every time, whether the user's protos import them or not: the gateway renders
 * `google.rpc.Status` details and resolves `Any` type URLs from these.
 */
const ALWAYS_LOADED = [
  "google/rpc/status.proto",
  "google/rpc/error_details.proto",
  "google/rpc/code.proto",
  "google/api/annotations.proto",
  "google/api/httpbody.proto",
  "google/protobuf/any.proto",
  "google/protobuf/duration.proto",
  "google/protobuf/empty.proto",
  "google/protobuf/field_mask.proto",
  "google/protobuf/struct.proto",
  "google/protobuf/timestamp.proto",
  "google/protobuf/wrappers.proto",
];

export interface LoadedProtos {
  readonly root: protobuf.Root;
  /** The user's files (relative to their root), in load order: their services get routes. */
  readonly userFiles: readonly string[];
  /** Absolute path → path relative to the proto root it was found in. */
  readonly relativeName: (absolute: string) => string;
  /** Absolute path of a relative proto name, if loaded. */
  readonly absoluteName: (name: string) => string | undefined;
}

/**
 * Loads every `.proto` under each root (user roots first, then the bundled ones), with
 * protobufjs. A syntax error, a missing import or a duplicate definition becomes a
 * ProtoError naming the file and line.
 */
export function loadProtos(roots: readonly string[]): LoadedProtos {
  const userRoots = roots.map((root) => resolve(root));
  for (const root of userRoots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new ProtoError(root, 0, "--proto-path is not a directory");
  }
  const searchRoots = [...userRoots, resolve(BUNDLED_PROTO_DIR)];
  const userFiles = userRoots.flatMap((root) => listProtos(root).map((file) => ({ root, file })));
  if (userFiles.length === 0) {
    throw new ProtoError(userRoots.join(", ") || "(none)", 0, "no .proto files found (pass --proto-path DIR)");
  }

  const relativeName = (absolute: string): string => {
    for (const root of searchRoots) {
      if (absolute.startsWith(root + sep)) return relative(root, absolute).split(sep).join("/");
    }
    return absolute;
  };
  const find = (name: string): string | undefined => {
    for (const root of searchRoots) {
      const candidate = join(root, name);
      if (existsSync(candidate)) return candidate;
    }
    return undefined;
  };

  const root = new protobuf.Root();
  // protobufjs silently skips imports it cannot resolve; we want a named error instead.
  root.resolvePath = (origin: string, target: string): string => {
    if (isAbsolute(target)) return target;
    const found = find(target);
    if (found !== undefined) return found;
    const from = origin === "" ? target : relativeName(origin);
    throw new ProtoError(from, origin === "" ? 0 : lineOf(origin, `"${target}"`), `import "${target}" not found in the proto paths or bundled protos`);
  };
  const entryFiles = [
    ...userFiles.map(({ root: dir, file }) => join(dir, file)),
    ...ALWAYS_LOADED.map((name) => find(name) ?? join(BUNDLED_PROTO_DIR, name)),
  ];
  try {
    root.loadSync(entryFiles, { keepCase: true, alternateCommentMode: true });
    root.resolveAll();
  } catch (error: unknown) {
    throw toProtoError(error, relativeName, userFiles[0]?.file ?? "");
  }
  return {
    root,
    userFiles: userFiles.map(({ file }) => file),
    relativeName,
    absoluteName: find,
  };
}

function listProtos(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listProtos(root, path));
    else if (entry.isFile() && entry.name.endsWith(".proto")) out.push(relative(root, path).split(sep).join("/"));
  }
  return out;
}

/** 1-based line of the first occurrence of `needle` in a file, or 0. */
export function lineOf(file: string, needle: string | RegExp): number {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return 0;
  }
  const at = typeof needle === "string" ? text.indexOf(needle) : text.search(needle);
  return at < 0 ? 0 : text.slice(0, at).split("\n").length;
}

// protobufjs: "illegal token ';' (/abs/bad.proto, line 4)"
const PARSE_ERROR = /^(.*) \((.+), line (\d+)\)$/;
// protobufjs: "no such type: Foo in Bar" / "duplicate name 'X' in Type Y"
const NO_SUCH_TYPE = /^no such type: (\S+)/;

function toProtoError(error: unknown, relativeName: (absolute: string) => string, fallbackFile: string): ProtoError {
  if (error instanceof ProtoError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const parse = PARSE_ERROR.exec(message);
  if (parse) return new ProtoError(relativeName(parse[2] ?? ""), Number(parse[3]), parse[1] ?? message);
  const enoent = /ENOENT: no such file or directory, open '(.+)'/.exec(message);
  if (enoent) return new ProtoError(relativeName(enoent[1] ?? ""), 0, "cannot read file");
  const missing = NO_SUCH_TYPE.exec(message);
  const filename = error instanceof Error && "filename" in error && typeof error.filename === "string" ? error.filename : undefined;
  if (missing) return new ProtoError(filename ? relativeName(filename) : fallbackFile, 0, `unknown type ${missing[1] ?? ""} (missing import?)`);
  return new ProtoError(filename ? relativeName(filename) : fallbackFile, 0, message);
}
