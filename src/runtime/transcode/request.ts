import type { MessageCodec } from "../../codec/index.js";
import type { FieldPath } from "../../model/field-path.js";
import { fieldPathToString } from "../../model/field-path.js";
import type { MessageModel, TypeSet } from "../../model/descriptor.js";
import type { RouteEntry } from "../../model/route-table.js";

const FIELD_MASK = "google.protobuf.FieldMask";

/** How one binding turns path values, query and body into request bytes; built at start-up. */
export interface RequestPlan {
  readonly codec: MessageCodec;
  /** Absent: no body. `"*"`: the body is the whole request. Else the field path it fills. */
  readonly body: FieldPath | "*" | undefined;
  readonly variables: ReadonlyArray<{ readonly path: FieldPath; readonly name: string }>;
  /** Fields bound by path or body: query parameters naming them are ignored. */
  readonly boundFields: ReadonlySet<string>;
  /** PATCH + body field + a FieldMask field: the mask to fill from the body's keys. */
  readonly autoMask: { readonly field: string; readonly queryNames: readonly string[] } | undefined;
}

export function compileRequestPlan(route: RouteEntry, codec: MessageCodec, types: TypeSet): RequestPlan {
  const request = types.messages[codec.typeName];
  const variables = route.template.variables.map((variable) => ({
    path: variable.fieldPath,
    name: fieldPathToString(variable.fieldPath),
  }));
  const boundFields = new Set(variables.map((variable) => variable.name));
  if (route.body !== undefined && route.body !== "*") boundFields.add(fieldPathToString(route.body));
  const autoMask =
    route.httpMethod === "PATCH" && route.body !== undefined && route.body !== "*" && request !== undefined
      ? findMaskField(request, route.body)
      : undefined;
  return { codec, body: route.body, variables, boundFields, autoMask };
}

/** The request's FieldMask field (grpc-gateway prefers `update_mask`), unless the body is it. */
function findMaskField(request: MessageModel, body: FieldPath): RequestPlan["autoMask"] {
  const masks = request.fields.filter(
    (field) =>
      field.label === "singular" && field.type.kind === "message" && field.type.typeName === FIELD_MASK && field.name !== body[0],
  );
  const field = masks.find((candidate) => candidate.name === "update_mask") ?? masks[0];
  return field === undefined ? undefined : { field: field.name, queryNames: [field.name, field.jsonName] };
}

/**
 * Request bytes = body part, then query part, then path part, merged by the codec so each
 * singular sub-message goes on the wire once (protobufjs backends do not merge repeated
 * occurrences). Later parts win for scalars, so path values win over the body without
 * building any intermediate object.
 */
export function buildRequest(
  plan: RequestPlan,
  values: readonly string[],
  query: string,
  body: unknown,
): Uint8Array {
  const parts: Uint8Array[] = [];
  if (plan.body === "*") {
    if (body !== undefined) parts.push(plan.codec.fromJson(body));
  } else {
    if (plan.body !== undefined && body !== undefined) {
      parts.push(plan.codec.fieldFromJson(plan.body, body));
      if (plan.autoMask !== undefined && !mentionsAny(query, plan.autoMask.queryNames)) {
        const paths = plan.codec.fieldMaskPaths(plan.body, body);
        if (paths.length > 0) parts.push(plan.codec.fieldFromText([plan.autoMask.field], [paths.join(",")], "path", plan.autoMask.field));
      }
    }
    // With `body: "*"` every field not in the path is in the body: no query parameters apply.
    if (query.length > 0) parts.push(plan.codec.queryToBytes(query, plan.boundFields));
  }
  for (let i = 0; i < plan.variables.length; i++) {
    const variable = plan.variables[i]!;
    parts.push(plan.codec.fieldFromText(variable.path, [values[i] ?? ""], "path", variable.name));
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : plan.codec.mergeParts(parts);
}

function mentionsAny(query: string, names: readonly string[]): boolean {
  if (query.length === 0) return false;
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    for (const name of names) if (key === name || key.startsWith(`${name}.`)) return true;
  }
  return false;
}
