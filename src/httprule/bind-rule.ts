import type { FieldModel, MessageModel, TypeSet } from "../model/descriptor.js";
import { WRAPPER_SCALARS } from "../model/descriptor.js";
import type { FieldPath } from "../model/field-path.js";
import { fieldPathToString, parseFieldPath } from "../model/field-path.js";
import type { PathTemplate } from "../model/path-template.js";
import type { MethodModel, RawHttpRule } from "../model/proto-model.js";
import { HttpRuleError } from "./http-rule-error.js";
import { parseTemplate } from "./parse-template.js";
import { TemplateSyntaxError } from "./template-syntax-error.js";

/** One validated HTTP binding of one RPC. */
export interface Binding {
  readonly httpMethod: string;
  readonly pattern: string;
  readonly template: PathTemplate;
  readonly body?: FieldPath | "*";
  readonly responseBody?: FieldPath;
}

const PATTERN_KINDS = ["get", "put", "post", "delete", "patch"] as const;
// RFC 9110 token: what an HTTP method name may be.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Well-known message types whose JSON form is a scalar: allowed as path variables. */
const TEXT_MESSAGES = new Set([
  "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask",
  ...Object.keys(WRAPPER_SCALARS),
]);

/**
 * Validates a method's `google.api.http` rule against its request and response types and
 * returns its bindings (the rule itself first, then each additional binding). Any problem
 * is an HttpRuleError naming the rpc; the caller adds the file and line.
 */
export function bindRule(method: MethodModel, types: TypeSet): Binding[] {
  const rule = method.httpRule;
  if (rule === undefined) return [];
  const fail = (reason: string): never => {
    throw new HttpRuleError(`rpc ${method.fullName}: ${reason}`);
  };
  const request = types.messages[method.requestType] ?? fail(`unknown request type ${method.requestType}`);
  const response = types.messages[method.responseType] ?? fail(`unknown response type ${method.responseType}`);
  const bindings = [bindOne(rule, request, response, types, fail)];
  for (const extra of asArray(rule.additional_bindings)) {
    if (extra.additional_bindings !== undefined) fail("additional_bindings must not be nested");
    bindings.push(bindOne(extra, request, response, types, fail));
  }
  return bindings;
}

function asArray(value: RawHttpRule | readonly RawHttpRule[] | undefined): readonly RawHttpRule[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly RawHttpRule[]) : [value as RawHttpRule];
}

function bindOne(
  rule: RawHttpRule,
  request: MessageModel,
  response: MessageModel,
  types: TypeSet,
  fail: (reason: string) => never,
): Binding {
  const patterns: Array<[string, string]> = [];
  for (const kind of PATTERN_KINDS) {
    const value = rule[kind];
    if (value !== undefined) patterns.push([kind.toUpperCase(), String(value)]);
  }
  if (rule.custom !== undefined) {
    const kind = rule.custom.kind ?? "";
    if (!TOKEN.test(kind)) fail(`custom http rule has an invalid kind ${JSON.stringify(kind)}`);
    patterns.push([kind.toUpperCase(), String(rule.custom.path ?? "")]);
  }
  if (patterns.length === 0) fail("http rule has no pattern (set one of get, put, post, delete, patch or custom)");
  if (patterns.length > 1) fail(`http rule sets more than one pattern (${patterns.map(([kind]) => kind.toLowerCase()).join(", ")})`);
  const [httpMethod, pattern] = patterns[0] as [string, string];

  let template: PathTemplate;
  try {
    template = parseTemplate(pattern);
  } catch (error: unknown) {
    if (error instanceof TemplateSyntaxError) fail(error.message);
    throw error;
  }
  for (const variable of template.variables) {
    const where = `path variable {${fieldPathToString(variable.fieldPath)}} in ${JSON.stringify(pattern)}`;
    const leaf = resolvePath(request, variable.fieldPath, types, (reason) => fail(`${where}: ${reason}`));
    if (leaf.label === "repeated" || leaf.label === "map") fail(`${where}: field ${leaf.name} is ${leaf.label}; path variables must be singular`);
    if (leaf.type.kind === "message" && !TEXT_MESSAGES.has(leaf.type.typeName)) {
      fail(`${where}: field ${leaf.name} is a message (${leaf.type.typeName}); path variables must be scalars`);
    }
  }

  let body: FieldPath | "*" | undefined;
  if (rule.body !== undefined && rule.body !== "") {
    if (rule.body === "*") body = "*";
    else {
      body = canonicalPath(request, parseFieldPath(rule.body), types, (reason) => fail(`body ${JSON.stringify(rule.body)}: ${reason}`));
    }
  }
  let responseBody: FieldPath | undefined;
  if (rule.response_body !== undefined && rule.response_body !== "") {
    responseBody = canonicalPath(response, parseFieldPath(rule.response_body), types, (reason) =>
      fail(`response_body ${JSON.stringify(rule.response_body)}: ${reason}`),
    );
  }
  // Store variable paths in proto names even when the template used json names.
  const canonical: PathTemplate = {
    ...template,
    variables: template.variables.map((variable) => ({
      ...variable,
      fieldPath: canonicalPath(request, variable.fieldPath, types, fail),
    })),
  };
  return {
    httpMethod,
    pattern,
    template: canonical,
    ...(body === undefined ? {} : { body }),
    ...(responseBody === undefined ? {} : { responseBody }),
  };
}

function findField(message: MessageModel, name: string): FieldModel | undefined {
  return message.fields.find((field) => field.name === name) ?? message.fields.find((field) => field.jsonName === name);
}

/** Walks a field path; every step but the last must be a singular message field. */
function resolvePath(root: MessageModel, path: FieldPath, types: TypeSet, fail: (reason: string) => never): FieldModel {
  let message = root;
  let field: FieldModel | undefined;
  for (let i = 0; i < path.length; i++) {
    const name = path[i] ?? "";
    field = findField(message, name) as FieldModel | undefined;
    if (field === undefined) fail(`no field ${JSON.stringify(name)} in message ${message.fullName}`);
    const found = field as FieldModel;
    if (i < path.length - 1) {
      if (found.type.kind !== "message" || found.label === "repeated" || found.label === "map") {
        fail(`field ${found.name} of ${message.fullName} is not a singular message, so ${JSON.stringify(fieldPathToString(path))} cannot go inside it`);
      }
      const next = found.type.kind === "message" ? types.messages[found.type.typeName] : undefined;
      if (next === undefined) fail(`unknown message type of field ${found.name}`);
      message = next as MessageModel;
    }
  }
  if (field === undefined) fail("empty field path");
  return field as FieldModel;
}

function canonicalPath(root: MessageModel, path: FieldPath, types: TypeSet, fail: (reason: string) => never): FieldPath {
  const out: string[] = [];
  let message: MessageModel | undefined = root;
  for (let i = 0; i < path.length; i++) {
    resolvePath(root, path.slice(0, i + 1), types, fail);
    const field: FieldModel | undefined = message === undefined ? undefined : findField(message, path[i] ?? "");
    out.push(field?.name ?? path[i] ?? "");
    message = field?.type.kind === "message" ? types.messages[field.type.typeName] : undefined;
  }
  return out;
}
