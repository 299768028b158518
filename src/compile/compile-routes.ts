import { bindRule } from "../httprule/bind-rule.js";
import type { Binding } from "../httprule/bind-rule.js";
import { HttpRuleError } from "../httprule/http-rule-error.js";
import { templateKey } from "../model/path-template.js";
import type { MessageModel, TypeSet } from "../model/descriptor.js";
import type { MethodEntry, RouteEntry, RouteTable } from "../model/route-table.js";
import { ROUTE_TABLE_FORMAT } from "../model/route-table.js";
import type { MethodModel, MethodSignature, ProtoModel } from "../model/proto-model.js";

/** Roots kept in the table's TypeSet whether referenced or not: status details and Any. */
const ALWAYS_KEPT_PREFIXES = ["google.rpc.", "google.protobuf."];
/** descriptor.proto is only there because annotations.proto extends it. */
const DESCRIPTOR_FILE = "google/protobuf/descriptor.proto";

/**
 * Model → the versioned route table the runtime runs: every RPC, every binding (a
 * duplicate HTTP method + template is an error naming both RPCs) and the types the codecs
 * need (reachable from the user's files, plus google.rpc and the well-known types).
 */
export function compileRoutes(model: ProtoModel, generator: string): RouteTable {
  const methods: MethodEntry[] = [];
  const routes: RouteEntry[] = [];
  const seen = new Map<string, MethodModel>();
  for (const service of model.services) {
    for (const method of service.methods) {
      methods.push(methodEntry(method, service.comment));
      for (const binding of bindingsOf(method, model.types)) {
        const key = `${binding.httpMethod} ${templateKey(binding.template)}`;
        const first = seen.get(key);
        if (first !== undefined) {
          throw new HttpRuleError(
            `rpc ${method.fullName}: binding ${binding.httpMethod} ${binding.pattern} duplicates a binding of rpc ${first.fullName} (${first.file}:${first.line}) with the same method and template`,
            method,
          );
        }
        seen.set(key, method);
        routes.push({ ...binding, rpc: method.fullName });
      }
    }
  }
  const userFiles = new Set(model.services.map((service) => service.file));
  return { format: ROUTE_TABLE_FORMAT, generator, methods, routes, types: reachableTypes(model.types, methods, userFiles) };
}

function bindingsOf(method: MethodModel, types: TypeSet): Binding[] {
  try {
    return bindRule(method, types);
  } catch (error: unknown) {
    if (error instanceof HttpRuleError) throw new HttpRuleError(error.message, method);
    throw error;
  }
}

/** The method's signature as is, under its full name and gRPC path; what only the generator needs stays behind. */
function methodEntry(method: MethodModel, serviceComment: string | undefined): MethodEntry {
  // `service` is taken out only to keep route-table.json's key order (name, service, grpcPath, …).
  const { fullName, name, line, httpRule, service, ...signature } = method;
  // A field added to MethodModel alone must be left behind above, or it would reach route-table.json: this fails to compile then.
  const leftBehind: Record<Exclude<keyof typeof signature, keyof MethodSignature>, never> = {};
  return {
    name: fullName,
    service,
    grpcPath: `/${service}/${name}`,
    ...signature,
    ...(serviceComment === undefined ? {} : { serviceComment }),
  };
}

function reachableTypes(types: TypeSet, methods: readonly MethodEntry[], userFiles: ReadonlySet<string>): TypeSet {
  const keepMessages = new Set<string>();
  const keepEnums = new Set<string>();
  const queue: string[] = [];
  const addMessage = (name: string): void => {
    if (!keepMessages.has(name) && types.messages[name] !== undefined) {
      keepMessages.add(name);
      queue.push(name);
    }
  };
  for (const method of methods) {
    addMessage(method.requestType);
    addMessage(method.responseType);
  }
  const isRoot = (name: string, file: string): boolean =>
    userFiles.has(file) || (file !== DESCRIPTOR_FILE && ALWAYS_KEPT_PREFIXES.some((prefix) => name.startsWith(prefix)));
  for (const message of Object.values(types.messages)) if (isRoot(message.fullName, message.file)) addMessage(message.fullName);
  for (const enumType of Object.values(types.enums)) if (isRoot(enumType.fullName, enumType.file)) keepEnums.add(enumType.fullName);
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    const message = types.messages[name] as MessageModel;
    for (const field of message.fields) {
      if (field.type.kind === "message") addMessage(field.type.typeName);
      else if (field.type.kind === "enum") keepEnums.add(field.type.typeName);
    }
  }
  const messages: Record<string, MessageModel> = {};
  for (const name of Object.keys(types.messages)) if (keepMessages.has(name)) messages[name] = types.messages[name] as MessageModel;
  const enums: TypeSet["enums"] = Object.fromEntries(Object.entries(types.enums).filter(([name]) => keepEnums.has(name)));
  return { messages, enums };
}
