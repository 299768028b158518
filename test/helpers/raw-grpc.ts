import type * as grpc from "@grpc/grpc-js";

const identity = (value: Buffer): Buffer => value;

/** A method definition whose messages stay bytes: the test backends see exactly what went over the wire. */
export function rawMethod(path: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

/** Resolves when a server stream may write again (gRPC flow control) or was cancelled. */
export function drainedOrCancelled(call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      call.off("cancelled", done);
      resolve();
    };
    call.once("drain", done);
    call.once("cancelled", done);
  });
}
