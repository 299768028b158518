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
  /** The path variables' values → their bytes (codec.pathWriter, compiled here once). */
  readonly writePath: (values: readonly string[]) => Uint8Array;
  /** Fields bound by path or body: query parameters naming them are ignored. */
  readonly boundFields: ReadonlySet<string>;
  /** PATCH + body field + a FieldMask field: its proto name, filled from the body's keys unless the query sets it. */
  readonly autoMask: string | undefined;
  /**
   * Every part sets top-level fields no other part sets: path variables are single-segment
   * scalar fields, the body field is none of them, and the query and mask parts never touch
   * a bound field. Then the parts' concatenation is their merge (protobuf's own rule), and no
   * singular message arrives split in two (which protobufjs backends would not merge).
   */
  readonly disjointParts: boolean;
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
  const scalarField = (path: FieldPath): boolean =>
    path.length === 1 && request?.fields.find((field) => field.name === path[0])?.type.kind !== "message";
  const disjointParts = route.body !== "*" && request !== undefined && variables.every((variable) => scalarField(variable.path)) &&
    (route.body === undefined || !variables.some((variable) => variable.path[0] === route.body?.[0]));
  return { codec, body: route.body, variables, writePath: codec.pathWriter(variables), boundFields, autoMask, disjointParts };
}

/** The request's FieldMask field (grpc-gateway prefers `update_mask`), unless the body is it. */
function findMaskField(request: MessageModel, body: FieldPath): RequestPlan["autoMask"] {
  const masks = request.fields.filter(
    (field) =>
      field.label === "singular" && field.type.kind === "message" && field.type.typeName === FIELD_MASK && field.name !== body[0],
  );
  return (masks.find((candidate) => candidate.name === "update_mask") ?? masks[0])?.name;
}

/**
 * Request bytes = body part, auto mask, query part, then path part, merged by the codec so each
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
    if (plan.body !== undefined && body !== undefined) parts.push(plan.codec.fieldFromJson(plan.body, body));
    // With `body: "*"` every field not in the path is in the body: no query parameters apply.
    // The query is read before the auto mask: the fields it names say whether the client sent a mask.
    const named = plan.autoMask !== undefined && query.length > 0 ? new Set<string>() : undefined;
    const queryPart = query.length > 0 ? plan.codec.queryToBytes(query, plan.boundFields, named) : undefined;
    if (plan.autoMask !== undefined && plan.body !== undefined && body !== undefined && named?.has(plan.autoMask) !== true) {
      const paths = plan.codec.fieldMaskPaths(plan.body, body);
      if (paths.length > 0) parts.push(plan.codec.fieldFromText([plan.autoMask], [paths.join(",")], "path", plan.autoMask));
    }
    if (queryPart !== undefined) parts.push(queryPart);
  }
  if (plan.variables.length > 0) {
    const path = plan.writePath(values);
    if (parts.length === 0) return path;
    parts.push(path);
  }
  if (parts.length === 1) return parts[0] as Uint8Array;
  return plan.disjointParts ? Buffer.concat(parts) : plan.codec.mergeParts(parts);
}
