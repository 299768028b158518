import protobuf from "protobufjs";
import type {
  EnumModel,
  FieldLabel,
  FieldModel,
  FieldType,
  MessageModel,
  ScalarType,
} from "../model/descriptor.js";
import type { MethodModel, ProtoModel, RawHttpRule, ServiceModel } from "../model/proto-model.js";
import type { LoadedProtos } from "./load-protos.js";
import { lineOf } from "./load-protos.js";
import { policyOptions } from "./policy-options.js";

const SCALARS = new Set<string>([
  "double", "float", "int32", "uint32", "sint32", "fixed32", "sfixed32",
  "int64", "uint64", "sint64", "fixed64", "sfixed64", "bool", "string", "bytes",
]);
const PACKABLE = new Set<string>([...SCALARS].filter((scalar) => scalar !== "string" && scalar !== "bytes"));

/** protoc's default json_name: drop `_`, upper-case the letter after it. */
export function defaultJsonName(name: string): string {
  let out = "";
  let upper = false;
  for (const char of name) {
    if (char === "_") upper = true;
    else if (upper) {
      out += char.toUpperCase();
      upper = false;
    } else out += char;
  }
  return out;
}

function stripDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}

function cleanComment(comment: string | null | undefined): string | undefined {
  const text = comment?.trim();
  return text === undefined || text === "" ? undefined : text;
}

/** Turns a loaded protobufjs root into plain model data, sorted by name for stable output. */
export function buildModel(loaded: LoadedProtos): ProtoModel {
  const messages: Record<string, MessageModel> = {};
  const enums: Record<string, EnumModel> = {};
  const services: ServiceModel[] = [];
  const userFiles = new Set(loaded.userFiles);

  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type) {
        const model = messageModel(nested, loaded);
        messages[model.fullName] = model;
      } else if (nested instanceof protobuf.Enum) {
        const model = enumModel(nested, loaded);
        enums[model.fullName] = model;
      } else if (nested instanceof protobuf.Service) {
        const file = loaded.relativeName(nested.filename ?? "");
        if (userFiles.has(file)) services.push(serviceModel(nested, file));
      }
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type || nested instanceof protobuf.Service) {
        visit(nested);
      }
    }
  };
  visit(loaded.root);
  services.sort((a, b) => compare(a.fullName, b.fullName));
  return { types: { messages: sortRecord(messages), enums: sortRecord(enums) }, services };
}

function messageModel(type: protobuf.Type, loaded: LoadedProtos): MessageModel {
  const fields = type.fieldsArray
    .slice()
    .sort((a, b) => a.id - b.id)
    .map((field) => fieldModel(field));
  const comment = cleanComment(type.comment);
  return {
    fullName: stripDot(type.fullName),
    fields,
    file: loaded.relativeName(type.filename ?? ""),
    ...(comment === undefined ? {} : { comment }),
  };
}

function fieldModel(field: protobuf.Field): FieldModel {
  const map = field instanceof protobuf.MapField;
  const options = field.options ?? {};
  const proto3Optional = options["proto3_optional"] === true;
  const label: FieldLabel = map ? "map" : field.repeated ? "repeated" : proto3Optional ? "optional" : "singular";
  const oneof = field.partOf !== null && field.partOf !== undefined && !proto3Optional ? field.partOf.name : undefined;
  const jsonOption = options["json_name"];
  const packed = label === "repeated" && type(field).kind !== "message" && PACKABLE.has(field.type) ? field.packed : undefined;
  const packedEnum = label === "repeated" && type(field).kind === "enum" ? field.packed : undefined;
  const comment = cleanComment(field.comment);
  return {
    name: field.name,
    jsonName: typeof jsonOption === "string" ? jsonOption : defaultJsonName(field.name),
    number: field.id,
    label,
    type: type(field),
    ...(map ? { mapKey: (field as protobuf.MapField).keyType as ScalarType } : {}),
    ...(oneof === undefined ? {} : { oneof }),
    ...(packed ?? packedEnum) === undefined ? {} : { packed: (packed ?? packedEnum) === true },
    ...(comment === undefined ? {} : { comment }),
  };
}

function type(field: protobuf.Field): FieldType {
  if (SCALARS.has(field.type)) return { kind: "scalar", scalar: field.type as ScalarType };
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return { kind: "enum", typeName: stripDot(resolved.fullName) };
  if (resolved instanceof protobuf.Type) return { kind: "message", typeName: stripDot(resolved.fullName) };
  throw new Error(`unresolved type ${field.type} of field ${field.fullName}`);
}

function enumModel(type: protobuf.Enum, loaded: LoadedProtos): EnumModel {
  const values = Object.entries(type.values).map(([name, number]) => ({ name, number }));
  const comment = cleanComment(type.comment);
  const comments: Record<string, string> = {};
  for (const { name } of values) {
    const text = cleanComment(type.comments[name]);
    if (text !== undefined) comments[name] = text;
  }
  return {
    fullName: stripDot(type.fullName),
    values,
    file: loaded.relativeName(type.filename ?? ""),
    ...(comment === undefined ? {} : { comment }),
    ...(Object.keys(comments).length === 0 ? {} : { comments }),
  };
}

function serviceModel(service: protobuf.Service, file: string): ServiceModel {
  const serviceName = stripDot(service.fullName);
  const absolute = service.filename ?? "";
  const methods = service.methodsArray.map((method): MethodModel => {
    method.resolve();
    const idempotency = method.options?.["idempotency_level"];
    const comment = cleanComment(method.comment);
    const httpRule = httpRuleOf(method);
    const line = lineOf(absolute, new RegExp(`\\brpc\\s+${method.name}\\s*\\(`));
    const policy = policyOptions(method, service, { file, line });
    return {
      fullName: `${serviceName}.${method.name}`,
      name: method.name,
      service: serviceName,
      requestType: stripDot(method.resolvedRequestType?.fullName ?? method.requestType),
      responseType: stripDot(method.resolvedResponseType?.fullName ?? method.responseType),
      clientStreaming: method.requestStream === true,
      serverStreaming: method.responseStream === true,
      ...(idempotency === "NO_SIDE_EFFECTS" || idempotency === "IDEMPOTENT" ? { idempotency } : {}),
      ...(comment === undefined ? {} : { comment }),
      file,
      line,
      ...(httpRule === undefined ? {} : { httpRule }),
      ...(policy === undefined ? {} : { policy }),
    };
  });
  const comment = cleanComment(service.comment);
  return { fullName: serviceName, file, methods, ...(comment === undefined ? {} : { comment }) };
}

/**
 * protobufjs keeps aggregate options as parsed objects: `(google.api.http)` = {...}, or
 * the dotted form `(google.api.http).get` = "..." for `option (google.api.http).get = …`.
 */
function httpRuleOf(method: protobuf.Method): RawHttpRule | undefined {
  let rule: Record<string, unknown> | undefined;
  for (const option of method.parsedOptions ?? []) {
    for (const [key, value] of Object.entries(option as Record<string, unknown>)) {
      if (key === "(google.api.http)" && typeof value === "object" && value !== null) {
        rule = { ...rule, ...(value as Record<string, unknown>) };
      } else if (key.startsWith("(google.api.http).")) {
        rule = { ...rule, [key.slice("(google.api.http).".length)]: value };
      }
    }
  }
  return rule as RawHttpRule | undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortRecord<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort(compare)) out[key] = record[key] as T;
  return out;
}
