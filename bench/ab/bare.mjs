// Bare pass-through floor for GetBook: node:http + NativeTransport + protogate's codec; no routing, Koa, policies, log or metrics.
import { createServer } from "node:http";
import { buildApi } from "../../dist/src/cli/build-table.js";
import { configFromFlags } from "../../dist/src/cli/config-from-flags.js";
import { createCodecRegistry } from "../../dist/src/codec/index.js";
import { NativeTransport } from "../../dist/src/runtime/backend/native-transport/native-transport.js";
const backend = process.env.BACKEND ?? "127.0.0.1:19090";
const config = configFromFlags({ protoPaths: [process.env.PROTOS ?? "/tmp/benchprotos"], backend });
const { table } = buildApi(config);
const codecs = createCodecRegistry(table.types, config.json);
const method = table.methods.find((m) => m.name.endsWith(".GetBook"));
const req = codecs.message(method.requestType), res = codecs.message(method.responseType);
const transport = new NativeTransport({ address: backend, connectionsPerAddress: Number(process.env.CONNS ?? 1) });
createServer((request, response) => {
  const parts = request.url.split("/"); // /v1/shelves/{shelf}/books/{book}
  let message;
  try {
    message = req.mergeParts([req.fieldFromText(["shelf"], [parts[3] ?? ""], "path", "shelf"), req.fieldFromText(["book"], [parts[5] ?? ""], "path", "book")]);
  } catch {
    response.statusCode = 400; // a probe of another path: the floor serves GetBook only
    response.end();
    return;
  }
  transport.unary({ path: method.grpcPath, message, metadata: [], deadline: undefined, signal: undefined }).then((r) => {
    const body = res.toJsonBytes(r.message);
    response.writeHead(200, ["Content-Type", "application/json; charset=utf-8", "Content-Length", body.length]);
    response.end(body);
  }, () => { response.statusCode = 502; response.end(); });
}).listen(Number(process.env.PORT ?? 18084), "127.0.0.1");
process.on("SIGINT", () => process.exit(0)); // --cpu-prof writes its profile on exit
