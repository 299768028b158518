import protobuf from "protobufjs";

/** Field numbers of the top-level fields of `bytes`, in wire order (one per occurrence). */
export function topLevelFields(bytes: Uint8Array): number[] {
  const reader = protobuf.Reader.create(bytes);
  const out: number[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    out.push(tag >>> 3);
    reader.skipType(tag & 7);
  }
  return out;
}
