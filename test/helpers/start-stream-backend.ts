import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { BUNDLED_DIR } from "./paths.js";
import { drainedOrCancelled } from "./raw-grpc.js";

export const STREAM_PROTOS = fileURLToPath(new URL("../../../test/fixtures/streaming/", import.meta.url));

type Obj = Record<string, unknown>;

export interface StreamBackend {
  readonly address: string;
  /** What happened, in order: "Count sent 0", "Count cancelled", "Upload got 1", … */
  readonly events: string[];
  /** Chunks the running Upload has received so far. */
  uploadReceived(): number;
  /** Lets a gated Count send its next tick. */
  release(): void;
  /** Resolves once `predicate` holds for the event log (checked on every event). */
  waitFor(predicate: (events: readonly string[]) => boolean): Promise<void>;
  stop(): Promise<void>;
}

/** A real grpc-js StreamService (test/fixtures/streaming) on 127.0.0.1:0. */
export async function startStreamBackend(): Promise<StreamBackend> {
  const definition = protoLoader.loadSync("stream/v1/stream.proto", {
    includeDirs: [STREAM_PROTOS, BUNDLED_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: true,
  });
  const service = definition["stream.v1.StreamService"] as grpc.ServiceDefinition;
  const events: string[] = [];
  const waiters: Array<{ predicate: (events: readonly string[]) => boolean; resolve: () => void }> = [];
  const log = (event: string): void => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(events)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  let releases = 0;
  let onRelease: (() => void) | undefined;
  const released = (): Promise<void> => {
    if (releases > 0) {
      releases--;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      onRelease = () => {
        releases--;
        resolve();
      };
    });
  };
  let uploaded = 0;

  const implementation: grpc.UntypedServiceImplementation = {
    Count: (call: grpc.ServerWritableStream<Obj, Obj>) => {
      const request = call.request;
      const n = Number(request.n);
      const failCode = Number(request.fail_code);
      const failAfter = Number(request.fail_after);
      const header = new grpc.Metadata();
      header.set("x-stream", "count");
      call.sendMetadata(header);
      call.on("cancelled", () => log("Count cancelled"));
      void (async () => {
        for (let i = 0; i < n; i++) {
          if (failCode !== 0 && i === failAfter) {
            log(`Count failed after ${i}`);
            call.emit("error", { code: failCode, details: `failed after ${i}` });
            return;
          }
          if (i > 0 && request.gated === true) await released();
          if (call.cancelled) return;
          const textBytes = Number(request.text_bytes);
          const written = call.write({ seq: i, text: textBytes > 0 ? "x".repeat(textBytes) : `tick ${i}` });
          log(`Count sent ${i}`);
          if (!written) {
            // A well-behaved backend: wait until gRPC flow control lets it send more.
            log(`Count blocked after ${i}`);
            await drainedOrCancelled(call);
          }
        }
        if (failCode !== 0 && failAfter >= n) {
          call.emit("error", { code: failCode, details: `failed after ${n}` });
          return;
        }
        const trailer = new grpc.Metadata();
        trailer.set("x-count", String(n));
        call.end(trailer);
        log("Count done");
      })();
    },
    Upload: (call: grpc.ServerReadableStream<Obj, Obj>, callback: grpc.sendUnaryData<Obj>) => {
      uploaded = 0;
      let lastSeq = 0;
      call.on("data", (chunk: Obj) => {
        uploaded++;
        lastSeq = Number(chunk.seq);
        if (uploaded === 1) log("Upload got 1");
      });
      call.on("cancelled", () => log("Upload cancelled"));
      call.on("end", () => {
        log(`Upload ended after ${uploaded}`);
        callback(null, { count: uploaded, last_seq: lastSeq });
      });
    },
    Chat: (call: grpc.ServerDuplexStream<Obj, Obj>) => {
      call.on("data", (chunk: Obj) => {
        log(`Chat got ${String(chunk.seq)}`);
        call.write({ seq: chunk.seq, text: `re: ${String(chunk.text)}` });
      });
      call.on("end", () => call.end());
    },
    Download: (call: grpc.ServerUnaryCall<Obj, Obj>, callback: grpc.sendUnaryData<Obj>) => {
      const name = String(call.request.name);
      if (name === "missing") {
        callback({ code: grpc.status.NOT_FOUND, details: "no such file" });
        return;
      }
      callback(null, { content_type: "image/png", data: fileBytes(name) });
    },
    DownloadStream: (call: grpc.ServerWritableStream<Obj, Obj>) => {
      const parts = Number(call.request.parts);
      for (let i = 0; i < parts; i++) {
        call.write({ content_type: i === 0 ? "text/csv" : "text/ignored", data: Buffer.from(`row ${i}\n`) });
      }
      call.end();
    },
    Store: (call: grpc.ServerUnaryCall<Obj, Obj>, callback: grpc.sendUnaryData<Obj>) => {
      const file = (call.request.file ?? {}) as Obj;
      const data = (file.data ?? Buffer.alloc(0)) as Buffer;
      callback(null, {
        name: call.request.name,
        note: call.request.note,
        content_type: file.content_type,
        size: data.length,
        sha: createHash("sha256").update(data).digest("hex"),
      });
    },
    Echo: (call: grpc.ServerUnaryCall<Obj, Obj>, callback: grpc.sendUnaryData<Obj>) => {
      callback(null, { content_type: `echo+${String(call.request.content_type)}`, data: call.request.data });
    },
    Hidden: (call: grpc.ServerUnaryCall<Obj, Obj>, callback: grpc.sendUnaryData<Obj>) => {
      callback(null, { seq: call.request.n, text: "hidden" });
    },
  };
  const server = new grpc.Server();
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    address: `127.0.0.1:${port}`,
    events,
    uploadReceived: () => uploaded,
    release: () => {
      releases++;
      const pending = onRelease;
      onRelease = undefined;
      pending?.();
    },
    waitFor: (predicate) =>
      predicate(events) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ predicate, resolve })),
    stop: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

/** Deterministic bytes for a file name (binary, with every byte value). */
export function fileBytes(name: string): Buffer {
  const bytes = Buffer.alloc(300);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i + name.length) % 256;
  return bytes;
}
