/**
 * The CodecRegistry: one MessageCodec per message type, built once (at start-up, when the
 * runtime asks for it) and cached. Input goes through the JSON and text plans of this
 * module; output is delegated to the bytes → JSON writers of to-json.ts.
 * @internal
 */
import type { TypeSet } from "../model/descriptor.js";
import type { CodecRegistry, JsonOptions, MessageCodec } from "./contract.js";
import { DEFAULT_JSON_OPTIONS } from "./contract.js";
import { CodecError } from "./field-error.js";
import { JsonInput } from "./from-json.js";
import { TextInput } from "./query-params.js";
import { createJsonWriters } from "./to-json.js";
import { mergeMessageParts } from "./wire-merge.js";

/** Fills the unset options from DEFAULT_JSON_OPTIONS (an explicit `undefined` counts as unset). */
export function resolveJsonOptions(options: Partial<JsonOptions> = {}): JsonOptions {
  return {
    emitUnpopulated: options.emitUnpopulated ?? DEFAULT_JSON_OPTIONS.emitUnpopulated,
    useProtoNames: options.useProtoNames ?? DEFAULT_JSON_OPTIONS.useProtoNames,
    enumsAsInts: options.enumsAsInts ?? DEFAULT_JSON_OPTIONS.enumsAsInts,
    discardUnknown: options.discardUnknown ?? DEFAULT_JSON_OPTIONS.discardUnknown,
  };
}

/** Codecs for the message types of `types`; `options` as the config's `json:` section. */
export function createCodecRegistry(types: TypeSet, options?: Partial<JsonOptions>): CodecRegistry {
  const resolved = resolveJsonOptions(options);
  const json = new JsonInput(types, resolved);
  const text = new TextInput(types, json);
  const writers = createJsonWriters(types, resolved);
  const codecs = new Map<string, MessageCodec>();
  return {
    message(typeName: string): MessageCodec {
      const cached = codecs.get(typeName);
      if (cached !== undefined) return cached;
      if (types.messages[typeName] === undefined) throw new CodecError(`unknown message type ${typeName}`);
      // Compiles the input plans of the type and every type it reaches, now rather than per request.
      const plan = json.requirePlan(typeName);
      const codec: MessageCodec = {
        typeName,
        fromJson: (value) => json.fromJson(typeName, value),
        fieldFromJson: (path, value) => json.fieldFromJson(typeName, path, value),
        fieldMaskPaths: (path, value) => json.fieldMaskPaths(typeName, path, value),
        fieldFromText: (path, values, source, name) => text.fieldFromText(typeName, path, values, source, name),
        pathWriter: (variables) => text.pathWriter(typeName, variables),
        queryToBytes: (query, bound, named) => text.queryToBytes(typeName, query, bound, named),
        mergeParts: (parts) => mergeMessageParts(plan, parts, (p) => json.mergeInfo(p)),
        toJson: (bytes) => writers.toJson(typeName, bytes),
        toJsonBytes: (bytes) => writers.toJsonBytes(typeName, bytes),
        fieldToJson: (path, bytes) => writers.fieldToJson(typeName, path, bytes),
      };
      codecs.set(typeName, codec);
      return codec;
    },
  };
}
