import { buildModel } from "../../src/descriptors/build-model.js";
import type { ProtoModel } from "../../src/model/proto-model.js";
import { loadProtos } from "../../src/descriptors/load-protos.js";
import type { TypeSet } from "../../src/model/descriptor.js";

/** Every message and enum of the protos under `roots` (plus the bundled ones), via the real loader. */
export function loadTypeSet(roots: readonly string[]): TypeSet {
  return loadProtoModel(roots).types;
}

export function loadProtoModel(roots: readonly string[]): ProtoModel {
  return buildModel(loadProtos(roots));
}
