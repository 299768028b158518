import type { EnumModel, FieldModel, FieldType, MessageModel, ScalarType } from "../model/descriptor.js";
import { HTTP_BODY_TYPE } from "../model/descriptor.js";
import type { FieldPath } from "../model/field-path.js";
import { fieldPathToString } from "../model/field-path.js";
import type { PathTemplate, TemplateSegment } from "../model/path-template.js";
import type { MethodEntry, RouteEntry, RouteTable } from "../model/route-table.js";
import type {
  HeaderObject,
  MediaTypeObject,
  OpenApiDocument,
  OpenApiMethod,
  OperationObject,
  ParameterObject,
  PathItemObject,
  RequestBodyObject,
  ResponseObject,
  SchemaObject,
  SecurityRequirementObject,
  SecuritySchemeObject,
  StreamingKind,
  TagObject,
} from "./openapi-document.js";
import { OPENAPI_METHODS } from "./openapi-document.js";

export interface OpenApiOptions {
  /** `info.title`; default `"protogate"`. */
  readonly title?: string;
  /** `info.version`; default `"0.0.0"`. */
  readonly version?: string;
  /** Proto field names instead of json names for properties and parameters (config `json.useProtoNames`); default false. */
  readonly useProtoNames?: boolean;
  /** Auth and rate limits per RPC, from the gateway config (compile/ does not read config/); default none. */
  readonly security?: OpenApiSecurity;
}

/** What the docs say about the policies of each RPC: plain data the CLI builds from the config. */
export interface OpenApiSecurity {
  /** `components.securitySchemes`, by auth provider id. */
  readonly schemes: Readonly<Record<string, SecuritySchemeObject>>;
  /** The policies of one RPC (full name), or undefined for an open, unlimited one. */
  readonly byMethod: (rpc: string) => MethodPolicies | undefined;
}

export interface MethodPolicies {
  /** `scheme` is a key of `schemes`; `required: false` means a token is checked when present. */
  readonly auth?: { readonly scheme: string; readonly scopes: readonly string[]; readonly required: boolean };
  readonly rateLimit?: { readonly requests: number; readonly perMs: number };
}

/** A route table that does not hold together (an unknown type, field or RPC), or two bindings OpenAPI cannot tell apart. */
export class OpenApiCompileError extends Error {
  override name = "OpenApiCompileError";
}

/**
 * Query parameters recurse into singular message fields at most this deep (`a.b.c.d.e`),
 * and never into a type already on the way down, so recursive messages terminate.
 */
const MAX_QUERY_DEPTH = 5;

const STATUS_TYPE = "google.rpc.Status";
const ANY_TYPE = "google.protobuf.Any";
const NDJSON = "application/x-ndjson";
const JSON_TYPE = "application/json";

const INFO_DESCRIPTION = [
  "JSON follows the proto3 JSON mapping: 64-bit integers are strings (numbers are accepted too),",
  "bytes are base64, enums are value names (numbers are accepted too), and float/double fields",
  'may also be the strings "NaN", "Infinity" and "-Infinity". Request bodies and query parameters',
  "accept both json names and proto field names. Every error is a google.rpc.Status.",
].join(" ");

/**
 * Describes every HTTP binding of `table.routes` as an OpenAPI 3.1 document.
 *
 * Decisions (OpenAPI cannot say everything a `google.api.http` template can):
 * - A variable becomes one path parameter named after its field path (`{book.name}`); a
 *   multi-segment pattern (`{name=shelves/*}`) goes into the description and as an anchored
 *   `pattern` into the schema, and the client must send its `/` unescaped. A `*` or `**`
 *   outside variables becomes a parameter `wildcard_1`, `wildcard_2`, …; the verb stays `:verb`.
 * - Two bindings of one HTTP method on one OpenAPI path (`GET /v1/{name=shelves/*}` and a
 *   book's `GET /v1/{name=shelves/…/books/…}` both give `/v1/{name}`, as in any resource hierarchy):
 *   every binding on that path is written "expanded", its variables' literals in the path and
 *   each wildcard a parameter named after the collection before it (`/v1/shelves/{shelf}`,
 *   `/v1/shelves/{shelf}/books/{book}`), the description saying how the field is built.
 *   Paths that differ only in parameter names are one path in OpenAPI, so a later binding
 *   reuses the parameter names of the earlier path (descriptions name the real field).
 *   Should two bindings still collide it is an OpenApiCompileError, never a silent overwrite.
 * - Query parameters: scalar, enum, and scalar-like well-known-type leaves not bound by the
 *   path or body, dotted for nested fields, repeated ones `explode: true`, maps as
 *   `deepObject` (`labels[k]=v`). Repeated messages, Struct, Value, ListValue, Any and Empty
 *   cannot be written in a query and are left out.
 * - `body: "*"` with top-level path fields: an inline copy of the request schema without
 *   them (path values win; nested path fields stay in the schema).
 * - Well-known types are written inline (Timestamp is a date-time string…), except Any and
 *   google.rpc.Status, which are always components (`default` responses refer to them).
 * - Paths keep the order of `table.routes`, methods the OpenAPI order, components sorted by
 *   name: the output is deterministic for a given table.
 * - With `options.security`: each auth provider is an http bearer (JWT) scheme; an RPC with a
 *   required auth rule gets `security: [{provider: [scopes]}]`, an optional one also `{}`, and
 *   `401` (and `403` with scopes, `429` with a rate limit, whose `RateLimit-*` headers the
 *   `200` also lists) responses beside `default`.
 *   Without it the document says nothing about auth: `generate` runs without a config.
 */
export function compileOpenapi(table: RouteTable, options: OpenApiOptions = {}): OpenApiDocument {
  return new OpenApiCompiler(table, options).compile();
}

/** A path parameter in a converted template, in path order. */
interface PathSlot {
  name: string;
  /** The field it fills; absent for a wildcard outside variables. */
  readonly fieldPath?: FieldPath;
  /** The variable's segments when not a plain `*`, e.g. `shelves/*`. */
  readonly patternText?: string;
  /** Anchored regex for `patternText`. */
  readonly regex?: string;
  /** Expanded variables: the variable's segments, and the literal just before this wildcard. */
  readonly part?: { readonly segments: readonly TemplateSegment[]; readonly literalBefore?: string };
  /** The wildcard this slot stands for, when it is not a whole variable. */
  readonly wildcard?: "*" | "**";
}

interface ConvertedPath {
  readonly slots: PathSlot[];
  /** Path pieces; a slot index stands for `{slots[i].name}`. */
  readonly pieces: readonly (string | number)[];
}

function renderPath(converted: ConvertedPath): string {
  const text = converted.pieces.map((p) => (typeof p === "number" ? `{${converted.slots[p]?.name ?? ""}}` : p)).join("");
  return text === "" ? "/" : text;
}

/** A path with parameter names blanked: OpenAPI treats paths equal under this as one. */
function pathShape(converted: ConvertedPath): string {
  return converted.pieces.map((p) => (typeof p === "number" ? "{}" : p)).join("") || "/";
}

class OpenApiCompiler {
  private readonly table: RouteTable;
  private readonly protoNames: boolean;
  private readonly title: string;
  private readonly version: string;
  private readonly security: OpenApiSecurity | undefined;
  private readonly methods = new Map<string, MethodEntry>();
  private readonly serviceLabels = new Map<string, string>();
  /** Type names a `$ref` points at; turned into components at the end. */
  private readonly referenced = new Set<string>();
  private readonly operationIds = new Set<string>();
  private readonly paths: Record<string, PathItemObject> = {};
  /** Path shape → the path key already written for it. */
  private readonly shapes = new Map<string, { key: string; slotNames: readonly string[] }>();
  /** Compact path shapes two bindings of one HTTP method share: every route on them is expanded. */
  private readonly expandShapes = new Set<string>();

  constructor(table: RouteTable, options: OpenApiOptions) {
    this.table = table;
    this.protoNames = options.useProtoNames ?? false;
    this.title = options.title ?? "protogate";
    this.version = options.version ?? "0.0.0";
    this.security = options.security;
    for (const m of table.methods) this.methods.set(m.name, m);
    const byShortName = new Map<string, Set<string>>();
    for (const m of table.methods) {
      const short = lastPart(m.service);
      const set = byShortName.get(short) ?? new Set<string>();
      set.add(m.service);
      byShortName.set(short, set);
    }
    // `LibraryService` unless two packages both have one; then `library_v1_LibraryService`.
    for (const [short, services] of byShortName) {
      for (const s of services) this.serviceLabels.set(s, services.size > 1 ? s.replaceAll(".", "_") : short);
    }
  }

  compile(): OpenApiDocument {
    const perMethod = new Map<string, number>();
    for (const route of this.table.routes) {
      const key = `${pathShape(convertTemplate(route.template, false))} ${route.httpMethod}`;
      perMethod.set(key, (perMethod.get(key) ?? 0) + 1);
    }
    for (const [key, count] of perMethod) if (count > 1) this.expandShapes.add(key.slice(0, key.lastIndexOf(" ")));

    const tags: TagObject[] = [];
    const bindingIndex = new Map<string, number>();
    for (const route of this.table.routes) {
      const method = this.methods.get(route.rpc);
      if (method === undefined) throw new OpenApiCompileError(`route ${route.httpMethod} ${route.pattern} names unknown rpc ${route.rpc}`);
      const index = bindingIndex.get(route.rpc) ?? 0;
      bindingIndex.set(route.rpc, index + 1);
      const tag = this.serviceLabel(method.service);
      if (!tags.some((t) => t.name === tag)) {
        const about = method.serviceComment === undefined ? "" : normalizeComment(method.serviceComment);
        tags.push(about === "" ? { name: tag } : { name: tag, description: about });
      }
      this.place(route, method, index);
    }
    this.referenced.add(STATUS_TYPE);
    const schemes = this.security?.schemes ?? {};
    const sortedSchemes: Record<string, SecuritySchemeObject> = {};
    for (const name of Object.keys(schemes).sort()) sortedSchemes[name] = { ...(schemes[name] as SecuritySchemeObject) };
    return {
      openapi: "3.1.0",
      info: { title: this.title, version: this.version, description: INFO_DESCRIPTION },
      tags,
      paths: this.paths,
      components: {
        schemas: this.components(),
        ...(Object.keys(sortedSchemes).length === 0 ? {} : { securitySchemes: sortedSchemes }),
      },
    };
  }

  private serviceLabel(service: string): string {
    return this.serviceLabels.get(service) ?? service.replaceAll(".", "_");
  }

  // ---- paths -----------------------------------------------------------------------------

  private place(route: RouteEntry, method: MethodEntry, index: number): void {
    const httpMethod = route.httpMethod.toLowerCase();
    const standard = (OPENAPI_METHODS as readonly string[]).includes(httpMethod) ? (httpMethod as OpenApiMethod) : undefined;
    const taken = (key: string): boolean => {
      const item = this.paths[key];
      if (item === undefined) return false;
      return standard === undefined ? item["x-protogate-custom-methods"]?.[route.httpMethod] !== undefined : item[standard] !== undefined;
    };

    const compact = convertTemplate(route.template, false);
    const expanded = this.expandShapes.has(pathShape(compact)) && compact.slots.some((s) => s.patternText !== undefined);
    const converted = expanded ? convertTemplate(route.template, true) : compact;
    const slot = this.shapeSlot(converted);
    if (slot !== undefined && taken(slot.key)) {
      // Templates the router tells apart (`/v1/{name}` and `/v1/{name=**}`) can be one OpenAPI
      // operation. The gateway serves both; the document cannot hold both, so the earlier
      // operation says the later binding is there too (the docs must never stop the gateway).
      const item = this.paths[slot.key] as PathItemObject;
      const earlier = standard === undefined ? item["x-protogate-custom-methods"]?.[route.httpMethod] : item[standard];
      if (earlier !== undefined) {
        const note = `Also served here: ${route.httpMethod} ${route.pattern} (rpc ${route.rpc}), a binding OpenAPI cannot tell apart from this one.`;
        earlier.description = earlier.description === undefined ? note : `${earlier.description}\n\n${note}`;
      }
      return;
    }
    if (slot !== undefined) {
      // Same shape, other names: reuse the earlier names, since OpenAPI sees one path.
      slot.slotNames.forEach((name, i) => {
        const s = converted.slots[i];
        if (s !== undefined) s.name = name;
      });
    } else {
      this.nameSlots(route, converted);
    }
    const key = renderPath(converted);
    this.shapes.set(pathShape(converted), { key, slotNames: converted.slots.map((s) => s.name) });

    const operation = this.operation(route, method, index, converted, expanded);
    const item = (this.paths[key] ??= {});
    if (standard !== undefined) {
      item[standard] = operation;
      // Keep the OpenAPI method order whatever the declaration order.
      const sorted: PathItemObject = {};
      for (const m of OPENAPI_METHODS) if (item[m] !== undefined) sorted[m] = item[m];
      if (item["x-protogate-custom-methods"] !== undefined) sorted["x-protogate-custom-methods"] = item["x-protogate-custom-methods"];
      this.paths[key] = sorted;
    } else {
      (item["x-protogate-custom-methods"] ??= {})[route.httpMethod] = operation;
    }
  }

  private shapeSlot(converted: ConvertedPath): { key: string; slotNames: readonly string[] } | undefined {
    return this.shapes.get(pathShape(converted));
  }

  /** Json (or proto) dotted names for field slots; `wildcard_N` for the rest, kept unique. */
  private nameSlots(route: RouteEntry, converted: ConvertedPath): void {
    const used = new Set<string>();
    const unique = (base: string): string => {
      let name = base;
      for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
      used.add(name);
      return name;
    };
    const fieldName = (s: PathSlot): string =>
      this.resolveFields(route, s.fieldPath ?? [], this.methodOf(route).requestType)
        .map((f) => this.nameOf(f))
        .join(".");
    for (const s of converted.slots) if (s.fieldPath !== undefined && s.part === undefined) s.name = unique(fieldName(s));
    // `shelves/*` → `{shelf}`, as resource-oriented APIs read; else `{name_2}`.
    for (const s of converted.slots) if (s.part !== undefined) s.name = unique(singular(s.part.literalBefore) ?? fieldName(s));
    let n = 0;
    for (const s of converted.slots) if (s.fieldPath === undefined) s.name = unique(`wildcard_${++n}`);
  }

  private methodOf(route: RouteEntry): MethodEntry {
    const m = this.methods.get(route.rpc);
    if (m === undefined) throw new OpenApiCompileError(`unknown rpc ${route.rpc}`);
    return m;
  }

  // ---- operations ------------------------------------------------------------------------

  private operation(route: RouteEntry, method: MethodEntry, index: number, path: ConvertedPath, expanded: boolean): OperationObject {
    const base = `${this.serviceLabel(method.service)}_${lastPart(method.name)}`;
    let operationId = index === 0 ? base : `${base}_${index}`;
    // Only reachable with odd names (`Get` and `Get_1` methods); still never a duplicate id.
    while (this.operationIds.has(operationId)) operationId = `${operationId}_`;
    this.operationIds.add(operationId);

    const { summary, description } = splitComment(method.comment);
    const notes: string[] = [];
    if (description !== undefined) notes.push(description);
    if (expanded) {
      const compact = convertTemplate(route.template, false);
      this.nameSlots(route, compact);
      notes.push(`Template \`${route.pattern}\`, written with its variables' literal segments in the path: bindings of one HTTP method would otherwise share the OpenAPI path \`${renderPath(compact)}\`.`);
    }

    const request = this.message(method.requestType, `request of ${method.name}`);
    const bound = new Set(route.template.variables.map((v) => fieldPathToString(v.fieldPath)));
    const parameters = path.slots.map((s) => this.pathParameter(route, request, path, s));
    if (route.body !== "*") {
      if (route.body !== undefined) bound.add(fieldPathToString(route.body));
      parameters.push(...this.queryParameters(request, bound));
    }
    const body = this.requestBody(route, method, request, bound);
    const streaming = streamingKind(method);
    const policies = this.policiesOf(method);
    // Keys in reading order: the document is committed and reviewed as JSON.
    return {
      operationId,
      tags: [this.serviceLabel(method.service)],
      ...(summary === undefined ? {} : { summary }),
      ...(notes.length === 0 ? {} : { description: notes.join("\n\n") }),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(body === undefined ? {} : { requestBody: body }),
      responses: this.responses(route, method, policies),
      ...(policies.auth === undefined ? {} : { security: securityOf(policies.auth) }),
      "x-protogate-rpc": method.name,
      "x-protogate-pattern": route.pattern,
      ...(streaming === undefined ? {} : { "x-protogate-streaming": streaming }),
    };
  }

  private pathParameter(route: RouteEntry, request: MessageModel, path: ConvertedPath, slot: PathSlot): ParameterObject {
    if (slot.fieldPath === undefined) {
      const description =
        slot.wildcard === "**"
          ? "Any number of path segments (`**` in the template), bound to no field."
          : "One path segment (`*` in the template), bound to no field.";
      return { name: slot.name, in: "path", required: true, description, schema: { type: "string" } };
    }
    const fields = this.resolveFields(route, slot.fieldPath, request.fullName);
    const leaf = fields[fields.length - 1] as FieldModel;
    const fieldName = fields.map((f) => this.nameOf(f)).join(".");
    const notes: string[] = [];
    if (leaf.comment !== undefined) notes.push(normalizeComment(leaf.comment));
    if (fieldName !== slot.name && slot.part === undefined) notes.push(`Fills field \`${fieldName}\`.`);
    let schema = this.queryLeafSchema(leaf.type) ?? { type: "string" };
    if (slot.part !== undefined) {
      const own = path.slots.filter((s) => s.part?.segments === slot.part?.segments);
      let i = 0;
      const composed = slot.part.segments.map((s) => (s.kind === "literal" ? s.value : `{${own[i++]?.name ?? ""}}`)).join("/");
      notes.push(`Part of field \`${fieldName}\`, which is \`${composed}\` (template \`${slot.patternText ?? ""}\`).`);
      if (slot.wildcard === "**") notes.push("Spans any number of path segments: send its `/` unescaped.");
      schema = { type: "string" };
    } else if (slot.patternText !== undefined) {
      notes.push(`Matches \`${slot.patternText}\`: the value spans path segments; send its \`/\` unescaped.`);
      schema = { type: "string", pattern: slot.regex ?? "" };
    }
    return notes.length === 0
      ? { name: slot.name, in: "path", required: true, schema }
      : { name: slot.name, in: "path", required: true, description: notes.join("\n\n"), schema };
  }

  private queryParameters(request: MessageModel, bound: ReadonlySet<string>): ParameterObject[] {
    const out: ParameterObject[] = [];
    const walk = (msg: MessageModel, protoPrefix: string, namePrefix: string, altPrefix: string, stack: readonly string[]): void => {
      for (const f of msg.fields) {
        const protoPath = protoPrefix + f.name;
        if (bound.has(protoPath)) continue;
        const name = namePrefix + this.nameOf(f);
        const alt = altPrefix + this.altNameOf(f);
        if (f.label === "map") {
          const value = this.queryLeafSchema(f.type);
          if (value === undefined) continue;
          out.push(this.queryParameter(f, msg, name, alt, { type: "object", additionalProperties: value }, `Set entries as \`${name}[key]=value\`.`));
          continue;
        }
        const leaf = this.queryLeafSchema(f.type);
        if (leaf !== undefined) {
          const schema: SchemaObject = f.label === "repeated" ? { type: "array", items: leaf } : leaf;
          out.push(this.queryParameter(f, msg, name, alt, schema));
          continue;
        }
        if (f.type.kind !== "message" || f.label === "repeated" || isWellKnown(f.type.typeName) || f.type.typeName === HTTP_BODY_TYPE) continue;
        if (stack.length >= MAX_QUERY_DEPTH || stack.includes(f.type.typeName)) continue;
        const child = this.message(f.type.typeName, `field ${msg.fullName}.${f.name}`);
        walk(child, `${protoPath}.`, `${name}.`, `${alt}.`, [...stack, child.fullName]);
      }
    };
    walk(request, "", "", "", [request.fullName]);
    return out;
  }

  private queryParameter(f: FieldModel, parent: MessageModel, name: string, alt: string, schema: SchemaObject, extra?: string): ParameterObject {
    const notes: string[] = [];
    if (f.comment !== undefined) notes.push(normalizeComment(f.comment));
    const oneof = oneofNote(f, parent, (g) => this.nameOf(g));
    if (oneof !== undefined) notes.push(oneof);
    if (extra !== undefined) notes.push(extra);
    if (alt !== name) notes.push(`Also accepted as \`${alt}\`.`);
    const style: Pick<ParameterObject, "style" | "explode"> =
      f.label === "repeated" ? { style: "form", explode: true } : f.label === "map" ? { style: "deepObject", explode: true } : {};
    return { name, in: "query", ...(notes.length === 0 ? {} : { description: notes.join("\n\n") }), ...style, schema };
  }

  /** The schema of a value that can be written as query or path text, or undefined. */
  private queryLeafSchema(type: FieldType): SchemaObject | undefined {
    switch (type.kind) {
      case "scalar":
        return scalarSchema(type.scalar);
      case "enum":
        // NullValue's JSON is `null`, which no query or path text spells.
        return type.typeName === "google.protobuf.NullValue" ? undefined : this.ref(type.typeName);
      case "message": {
        const wkt = WKT_TEXT_SCHEMAS[type.typeName];
        return wkt === undefined ? undefined : { ...wkt };
      }
    }
  }

  private requestBody(route: RouteEntry, method: MethodEntry, request: MessageModel, bound: ReadonlySet<string>): RequestBodyObject | undefined {
    if (route.body === undefined) return undefined;
    let schema: SchemaObject;
    let typeName: string | undefined;
    if (route.body === "*") {
      typeName = request.fullName;
      const pathTop = new Set([...bound].filter((p) => !p.includes(".")));
      const kept = request.fields.filter((f) => !pathTop.has(f.name));
      if (kept.length === request.fields.length || isWellKnown(request.fullName) || request.fullName === HTTP_BODY_TYPE) {
        schema = this.typeSchema(request.fullName);
      } else {
        schema = this.messageSchema(request, kept);
        const names = request.fields.filter((f) => pathTop.has(f.name)).map((f) => `\`${this.nameOf(f)}\``);
        schema.description = [schema.description, `${request.fullName} without ${names.join(", ")}, which the path sets.`]
          .filter((d) => d !== undefined)
          .join("\n\n");
      }
    } else {
      const fields = this.resolveFields(route, route.body, request.fullName);
      const leaf = fields[fields.length - 1] as FieldModel;
      typeName = leaf.type.kind === "message" && leaf.label !== "repeated" && leaf.label !== "map" ? leaf.type.typeName : undefined;
      schema = this.fieldSchema(leaf, this.parentOf(fields, request));
    }
    if (typeName === HTTP_BODY_TYPE) {
      return { description: "Raw bytes, sent to the backend with their content type (google.api.HttpBody).", content: { "*/*": { schema: {} } } };
    }
    if (method.clientStreaming) {
      return { description: "Newline-delimited JSON: one request message per line.", content: { [NDJSON]: { schema } } };
    }
    return { content: { [JSON_TYPE]: { schema } } };
  }

  /** The RPC's policies; an auth scheme the document does not define is an error, not a dangling name. */
  private policiesOf(method: MethodEntry): MethodPolicies {
    const policies = this.security?.byMethod(method.name) ?? {};
    const scheme = policies.auth?.scheme;
    if (scheme !== undefined && this.security?.schemes[scheme] === undefined) {
      throw new OpenApiCompileError(`rpc ${method.name}: auth scheme ${scheme} is not among the security schemes`);
    }
    return policies;
  }

  private responses(route: RouteEntry, method: MethodEntry, policies: MethodPolicies): Record<string, ResponseObject> {
    const response = this.message(method.responseType, `response of ${method.name}`);
    let schema: SchemaObject;
    let typeName: string | undefined = response.fullName;
    if (route.responseBody !== undefined) {
      const fields = this.resolveFields(route, route.responseBody, response.fullName);
      const leaf = fields[fields.length - 1] as FieldModel;
      typeName = leaf.type.kind === "message" && leaf.label !== "repeated" && leaf.label !== "map" ? leaf.type.typeName : undefined;
      schema = this.fieldSchema(leaf, this.parentOf(fields, response));
    } else {
      schema = this.typeSchema(response.fullName);
    }
    const error: ResponseObject = {
      description: "An error: the JSON form of google.rpc.Status.",
      content: { [JSON_TYPE]: { schema: this.ref(STATUS_TYPE) } },
    };
    let ok: ResponseObject;
    if (typeName === HTTP_BODY_TYPE) {
      ok = { description: "Raw bytes with the content type the backend set (google.api.HttpBody).", content: { "*/*": { schema: {} } } };
    } else if (method.serverStreaming) {
      const line: MediaTypeObject = {
        schema: {
          oneOf: [
            { type: "object", properties: { result: schema }, required: ["result"] },
            { type: "object", properties: { error: this.ref(STATUS_TYPE) }, required: ["error"] },
          ],
        },
      };
      ok = {
        description:
          'A stream: newline-delimited JSON, one `{"result": …}` line per message and a final `{"error": …}` line if the stream fails. ' +
          "`Accept: text/event-stream` gives Server-Sent Events instead, `Accept: application/json` one JSON array.",
        content: { [NDJSON]: line },
      };
    } else {
      ok = { description: "OK", content: { [JSON_TYPE]: { schema } } };
    }
    // SPEC §7: a limited method sends RateLimit-* on every response.
    if (policies.rateLimit !== undefined) ok = { description: ok.description, headers: rateLimitHeaders(), ...(ok.content === undefined ? {} : { content: ok.content }) };
    return { "200": ok, ...this.policyResponses(policies), default: error };
  }

  /** 401/403/429 where the RPC's policies can answer them (SPEC §7), each a google.rpc.Status. */
  private policyResponses(policies: MethodPolicies): Record<string, ResponseObject> {
    const status = (description: string, headers?: ResponseObject["headers"]): ResponseObject => ({
      description,
      ...(headers === undefined ? {} : { headers }),
      content: { [JSON_TYPE]: { schema: this.ref(STATUS_TYPE) } },
    });
    const out: Record<string, ResponseObject> = {};
    const { auth, rateLimit } = policies;
    if (auth !== undefined) {
      const what = auth.required ? "The bearer token is missing or invalid" : "The bearer token is invalid (the method also works without one)";
      out["401"] = status(`${what} (UNAUTHENTICATED).`, {
        "WWW-Authenticate": { description: "`Bearer` with the reason.", schema: { type: "string" } },
      });
      if (auth.scopes.length > 0) {
        out["403"] = status(`The token lacks a required scope: ${auth.scopes.map((s) => `\`${s}\``).join(", ")} (PERMISSION_DENIED).`);
      }
    }
    if (rateLimit !== undefined) {
      out["429"] = status(`Rate limited: ${rateLimit.requests} requests per ${formatMs(rateLimit.perMs)} (RESOURCE_EXHAUSTED).`, {
        "Retry-After": { description: "Seconds until a request may succeed.", schema: { type: "integer" } },
        ...rateLimitHeaders(),
      });
    }
    return out;
  }

  // ---- schemas ---------------------------------------------------------------------------

  private components(): Record<string, SchemaObject> {
    const schemas: Record<string, SchemaObject> = {};
    const done = new Set<string>();
    for (let pending = [...this.referenced]; pending.length > 0; pending = [...this.referenced].filter((n) => !done.has(n))) {
      for (const name of pending) {
        done.add(name);
        schemas[name] = this.componentSchema(name);
      }
    }
    const sorted: Record<string, SchemaObject> = {};
    for (const name of Object.keys(schemas).sort()) sorted[name] = schemas[name] as SchemaObject;
    return sorted;
  }

  private componentSchema(name: string): SchemaObject {
    if (name === STATUS_TYPE) return statusSchema(this.ref(ANY_TYPE));
    if (name === ANY_TYPE) return anySchema();
    const e = this.table.types.enums[name];
    if (e !== undefined) return enumSchema(e);
    return this.messageSchema(this.message(name, "a referenced type"), undefined);
  }

  private messageSchema(msg: MessageModel, only: readonly FieldModel[] | undefined): SchemaObject {
    const properties: Record<string, SchemaObject> = {};
    for (const f of only ?? msg.fields) properties[this.nameOf(f)] = this.fieldSchema(f, msg);
    const schema: SchemaObject = { type: "object" };
    if (msg.comment !== undefined) schema.description = normalizeComment(msg.comment);
    schema.properties = properties;
    return schema;
  }

  private fieldSchema(f: FieldModel, parent: MessageModel): SchemaObject {
    const element = this.elementSchema(f.type);
    let schema: SchemaObject;
    if (f.label === "repeated") schema = { type: "array", items: element };
    else if (f.label === "map") schema = { type: "object", additionalProperties: element };
    else schema = element;
    const notes: string[] = [];
    if (f.comment !== undefined) notes.push(normalizeComment(f.comment));
    const oneof = oneofNote(f, parent, (g) => this.nameOf(g));
    if (oneof !== undefined) notes.push(oneof);
    // The type's own note (Duration's format, …) after what the field means.
    if (schema.description !== undefined) notes.push(schema.description);
    if (notes.length > 0) schema.description = notes.join("\n\n");
    return schema;
  }

  /** One value of a field (an element of a repeated field, a value of a map). A fresh object. */
  private elementSchema(type: FieldType): SchemaObject {
    switch (type.kind) {
      case "scalar":
        return scalarSchema(type.scalar);
      case "enum":
        return type.typeName === "google.protobuf.NullValue" ? { type: "null" } : this.ref(type.typeName);
      case "message":
        return this.typeSchema(type.typeName);
    }
  }

  /** A message type as a value: inline for well-known types, else a `$ref`. */
  private typeSchema(typeName: string): SchemaObject {
    const wkt = WKT_SCHEMAS[typeName];
    if (wkt !== undefined) return structuredClone(wkt);
    if (typeName === HTTP_BODY_TYPE) return {};
    return this.ref(typeName);
  }

  private ref(typeName: string): SchemaObject {
    if (typeName !== STATUS_TYPE && typeName !== ANY_TYPE && this.table.types.enums[typeName] === undefined) {
      this.message(typeName, "a referenced type");
    }
    this.referenced.add(typeName);
    return { $ref: `#/components/schemas/${typeName}` };
  }

  // ---- model look-ups --------------------------------------------------------------------

  private message(typeName: string, what: string): MessageModel {
    const msg = this.table.types.messages[typeName];
    if (msg !== undefined) return msg;
    // Their JSON form is fixed, so a TypeSet may leave them out: query params come from none of their fields.
    if (isWellKnown(typeName) || typeName === HTTP_BODY_TYPE) return { fullName: typeName, fields: [], file: "" };
    throw new OpenApiCompileError(`unknown message type ${typeName} (${what})`);
  }

  /** The fields along `path` from `rootType`; throws when one is missing. */
  private resolveFields(route: RouteEntry, path: FieldPath, rootType: string): FieldModel[] {
    const fields: FieldModel[] = [];
    let msg: MessageModel | undefined = this.message(rootType, `route ${route.httpMethod} ${route.pattern}`);
    for (const part of path) {
      const f: FieldModel | undefined = msg?.fields.find((g) => g.name === part);
      if (f === undefined) {
        throw new OpenApiCompileError(`route ${route.httpMethod} ${route.pattern}: no field ${fieldPathToString(path)} in ${rootType}`);
      }
      fields.push(f);
      msg = f.type.kind === "message" ? this.table.types.messages[f.type.typeName] : undefined;
    }
    return fields;
  }

  private parentOf(fields: readonly FieldModel[], root: MessageModel): MessageModel {
    const parent = fields[fields.length - 2];
    if (parent === undefined || parent.type.kind !== "message") return root;
    return this.message(parent.type.typeName, "a field path");
  }

  private nameOf(f: FieldModel): string {
    return this.protoNames ? f.name : f.jsonName;
  }

  private altNameOf(f: FieldModel): string {
    return this.protoNames ? f.jsonName : f.name;
  }
}

// ---- templates ---------------------------------------------------------------------------

/**
 * PathTemplate → OpenAPI path pieces. With `expand`, a multi-segment variable is written as
 * its segments (`{name=shelves/*}` → `shelves/{…}`), each wildcard a parameter named later.
 */
function convertTemplate(template: PathTemplate, expand: boolean): ConvertedPath {
  const slots: PathSlot[] = [];
  const pieces: (string | number)[] = [];
  const { segments } = template;
  const addSlot = (slot: PathSlot): void => {
    pieces.push("/", slots.length);
    slots.push(slot);
  };
  for (let i = 0; i < segments.length; ) {
    const variable = template.variables.find((v) => v.start === i);
    if (variable !== undefined) {
      const own = segments.slice(variable.start, variable.end);
      const plain = own.length === 1 && own[0]?.kind === "wildcard";
      const patternText = own.map(segmentText).join("/");
      if (plain) addSlot({ name: "", fieldPath: variable.fieldPath });
      // Expanded, a literals-only variable (`{kind=shelves}`) is just path text: its value is fixed.
      else if (!expand) addSlot({ name: "", fieldPath: variable.fieldPath, patternText, regex: segmentsRegex(own) });
      else {
        own.forEach((s, k) => {
          if (s.kind === "literal") pieces.push("/", encodeLiteral(s.value));
          else {
            const before = own[k - 1];
            const part = before?.kind === "literal" ? { segments: own, literalBefore: before.value } : { segments: own };
            addSlot({ name: "", fieldPath: variable.fieldPath, patternText, part, wildcard: s.kind === "deep" ? "**" : "*" });
          }
        });
      }
      i = variable.end;
      continue;
    }
    const s = segments[i] as TemplateSegment;
    if (s.kind === "literal") pieces.push("/", encodeLiteral(s.value));
    else addSlot({ name: "", wildcard: s.kind === "deep" ? "**" : "*" });
    i++;
  }
  if (template.verb !== undefined) {
    if (pieces.length === 0) pieces.push("/");
    pieces.push(`:${encodeLiteral(template.verb)}`);
  }
  return { slots, pieces };
}

function segmentText(s: TemplateSegment): string {
  return s.kind === "literal" ? s.value : s.kind === "wildcard" ? "*" : "**";
}

/** Anchored regex for a variable's segments; `**` may match no segment at all. */
function segmentsRegex(segments: readonly TemplateSegment[]): string {
  let out = "";
  let needSlash = false;
  segments.forEach((s, i) => {
    if (s.kind === "deep") {
      if (segments.length === 1) out += ".*";
      else if (i === 0) out += "(?:[^/]+/)*";
      else out += "(?:/[^/]+)*";
      needSlash = i !== 0;
      return;
    }
    out += (needSlash ? "/" : "") + (s.kind === "literal" ? escapeRegex(s.value) : "[^/]+");
    needSlash = true;
  });
  return `^${out}$`;
}

function escapeRegex(text: string): string {
  // Not `-` or `/`: escaping them is an error in Unicode-mode patterns (JSON Schema's dialect).
  return text.replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`);
}

/** Literals are stored decoded; a path key needs RFC 3986 pchar, and never `{` or `}`. */
function encodeLiteral(value: string): string {
  return value.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@]/gu, (c) => encodeURIComponent(c));
}

/** `shelves` → `shelf`, `libraries` → `library`; undefined for what does not look like a plural identifier. */
function singular(literal: string | undefined): string | undefined {
  if (literal === undefined || !/^[A-Za-z][A-Za-z0-9_]*s$/.test(literal) || literal.endsWith("ss")) return undefined;
  if (literal.endsWith("ies")) return `${literal.slice(0, -3)}y`;
  if (/(?:sh|ch|x|ses)es$/.test(literal)) return literal.slice(0, -2);
  if (literal.endsWith("ves") && literal.length > 4) return `${literal.slice(0, -3)}f`;
  return literal.slice(0, -1);
}

// ---- helpers -----------------------------------------------------------------------------

function lastPart(name: string): string {
  return name.slice(name.lastIndexOf(".") + 1);
}

/** Required: the scheme with its scopes (role names, as OpenAPI allows for http schemes); optional: that, or no token (`{}`). */
function securityOf(auth: NonNullable<MethodPolicies["auth"]>): SecurityRequirementObject[] {
  const withToken: SecurityRequirementObject = { [auth.scheme]: [...auth.scopes] };
  return auth.required ? [withToken] : [withToken, {}];
}

/** The headers every response of a rate-limited method carries (SPEC §7), in delta-seconds. */
function rateLimitHeaders(): Record<string, HeaderObject> {
  return {
    "RateLimit-Limit": { description: "Requests allowed per window.", schema: { type: "integer" } },
    "RateLimit-Remaining": { description: "Requests left in this window.", schema: { type: "integer" } },
    "RateLimit-Reset": { description: "Seconds until the window resets.", schema: { type: "integer" } },
  };
}

/** `60000` → `1m`, `1500` → `1500ms`: the largest unit that divides it. */
function formatMs(ms: number): string {
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function streamingKind(m: MethodEntry): StreamingKind | undefined {
  if (m.clientStreaming && m.serverStreaming) return "bidi";
  if (m.serverStreaming) return "server";
  if (m.clientStreaming) return "client";
  return undefined;
}

function isWellKnown(typeName: string): boolean {
  return typeName.startsWith("google.protobuf.") && (WKT_SCHEMAS[typeName] !== undefined || typeName === ANY_TYPE);
}

/** A string enum of value names; the enum's comment and its values' comments (as a list) describe it. */
function enumSchema(e: EnumModel): SchemaObject {
  const notes: string[] = [];
  if (e.comment !== undefined) notes.push(normalizeComment(e.comment));
  const comments = e.comments ?? {};
  const items = e.values.flatMap((v) => {
    const text = comments[v.name];
    return text === undefined ? [] : [`- \`${v.name}\`: ${normalizeComment(text).split("\n").map((l) => l.trim()).join(" ")}`];
  });
  if (items.length > 0) notes.push(items.join("\n"));
  return { type: "string", ...(notes.length === 0 ? {} : { description: notes.join("\n\n") }), enum: e.values.map((v) => v.name) };
}

function oneofNote(f: FieldModel, parent: MessageModel, name: (g: FieldModel) => string): string | undefined {
  if (f.oneof === undefined) return undefined;
  const members = parent.fields.filter((g) => g.oneof === f.oneof).map((g) => `\`${name(g)}\``);
  return `Member of oneof \`${f.oneof}\`: set at most one of ${members.join(", ")}.`;
}

/** Proto comments keep the space after `//`: strip the common indent and blank edges. */
function normalizeComment(comment: string): string {
  const lines = comment.replace(/\r\n?/g, "\n").split("\n").map((l) => l.trimEnd());
  const indent = Math.min(...lines.filter((l) => l !== "").map((l) => l.length - l.trimStart().length));
  const body = lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0));
  return body.join("\n").replace(/^\n+|\n+$/g, "");
}

/**
 * The first sentence → summary (one line); the whole comment → description when it says
 * more than that. A sentence ends at `.`, `!` or `?` before a space and a capital, or at a
 * paragraph break.
 */
function splitComment(comment: string | undefined): { summary?: string; description?: string } {
  if (comment === undefined) return {};
  const text = normalizeComment(comment);
  if (text === "") return {};
  const paragraph = (text.split(/\n\s*\n/)[0] ?? "").split("\n").map((l) => l.trim()).join(" ");
  const end = /[.!?](?=\s+[A-Z`])/.exec(paragraph);
  const summary = end === null ? paragraph : paragraph.slice(0, end.index + 1);
  const flat = text.split("\n").map((l) => l.trim()).join(" ");
  return summary === flat ? { summary } : { summary, description: text };
}

function scalarSchema(scalar: ScalarType): SchemaObject {
  switch (scalar) {
    case "double":
      return { type: "number", format: "double" };
    case "float":
      return { type: "number", format: "float" };
    case "int32":
    case "sint32":
    case "sfixed32":
      return { type: "integer", format: "int32" };
    case "uint32":
    case "fixed32":
      return { type: "integer", format: "uint32" };
    case "int64":
    case "sint64":
    case "sfixed64":
      return { type: "string", format: "int64" };
    case "uint64":
    case "fixed64":
      return { type: "string", format: "uint64" };
    case "bool":
      return { type: "boolean" };
    case "string":
      return { type: "string" };
    case "bytes":
      return { type: "string", format: "byte", contentEncoding: "base64" };
  }
}

const DURATION_PATTERN = "^-?[0-9]+(?:\\.[0-9]{1,9})?s$";

/** Well-known types that can also be written as query or path text (wrappers not nullable there). */
const WKT_TEXT_SCHEMAS: Readonly<Record<string, SchemaObject>> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string", pattern: DURATION_PATTERN, description: 'Seconds with up to 9 fractional digits and an "s" suffix, e.g. "1.5s".' },
  "google.protobuf.FieldMask": { type: "string", description: 'Comma-separated field paths, e.g. "title,author.name".' },
  "google.protobuf.DoubleValue": scalarSchema("double"),
  "google.protobuf.FloatValue": scalarSchema("float"),
  "google.protobuf.Int64Value": scalarSchema("int64"),
  "google.protobuf.UInt64Value": scalarSchema("uint64"),
  "google.protobuf.Int32Value": scalarSchema("int32"),
  "google.protobuf.UInt32Value": scalarSchema("uint32"),
  "google.protobuf.BoolValue": scalarSchema("bool"),
  "google.protobuf.StringValue": scalarSchema("string"),
  "google.protobuf.BytesValue": scalarSchema("bytes"),
};

function nullable(schema: SchemaObject): SchemaObject {
  const type = schema.type;
  return { ...schema, type: [...(Array.isArray(type) ? type : type === undefined ? [] : [type]), "null"] };
}

/** Inline JSON schemas of the well-known types (all but Any, which is a component). */
const WKT_SCHEMAS: Readonly<Record<string, SchemaObject>> = {
  "google.protobuf.Timestamp": WKT_TEXT_SCHEMAS["google.protobuf.Timestamp"] as SchemaObject,
  "google.protobuf.Duration": WKT_TEXT_SCHEMAS["google.protobuf.Duration"] as SchemaObject,
  "google.protobuf.FieldMask": WKT_TEXT_SCHEMAS["google.protobuf.FieldMask"] as SchemaObject,
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": { description: "Any JSON value." },
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.Empty": { type: "object" },
  "google.protobuf.DoubleValue": nullable(scalarSchema("double")),
  "google.protobuf.FloatValue": nullable(scalarSchema("float")),
  "google.protobuf.Int64Value": nullable(scalarSchema("int64")),
  "google.protobuf.UInt64Value": nullable(scalarSchema("uint64")),
  "google.protobuf.Int32Value": nullable(scalarSchema("int32")),
  "google.protobuf.UInt32Value": nullable(scalarSchema("uint32")),
  "google.protobuf.BoolValue": nullable(scalarSchema("bool")),
  "google.protobuf.StringValue": nullable(scalarSchema("string")),
  "google.protobuf.BytesValue": nullable(scalarSchema("bytes")),
};

function anySchema(): SchemaObject {
  return {
    type: "object",
    description: "A message of any type (google.protobuf.Any): `@type` names it, the other keys are its JSON fields (or `value` for a well-known type).",
    properties: { "@type": { type: "string", description: 'A type URL, e.g. "type.googleapis.com/google.rpc.ErrorInfo".' } },
    required: ["@type"],
    additionalProperties: true,
  };
}

function statusSchema(anyRef: SchemaObject): SchemaObject {
  return {
    type: "object",
    description: "The error model (google.rpc.Status), the body of every error response.",
    properties: {
      code: { type: "integer", format: "int32", description: "The gRPC status code, e.g. 5 for NOT_FOUND." },
      message: { type: "string", description: "A developer-facing error message." },
      details: { type: "array", items: anyRef, description: "Error details; always present, empty when there are none." },
    },
    required: ["code", "message", "details"],
  };
}
