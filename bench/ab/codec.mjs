// Per-message codec cost on real backend bytes: toJson of a GetBook Book and of a 20-book
// ListBooksResponse, and building a request from path/query values. Needs the Go bench
// backend on 127.0.0.1:19090 (bench/ab/gw.sh starts it). usage: taskset -c 0 node bench/ab/codec.mjs
import { buildApi } from "../../dist/src/cli/build-table.js";
import { configFromFlags } from "../../dist/src/cli/config-from-flags.js";
import { createCodecRegistry } from "../../dist/src/codec/index.js";
import { NativeTransport } from "../../dist/src/runtime/backend/native-transport/native-transport.js";
const config = configFromFlags({ protoPaths: ["/tmp/benchprotos"], backend: "127.0.0.1:19090" });
const { table } = buildApi(config);
const codecs = createCodecRegistry(table.types, config.json);
const t = new NativeTransport({ address: "127.0.0.1:19090", connectionsPerAddress: 1 });
for (const [name, build] of [["GetBook", (c) => c.mergeParts([c.fieldFromText(["shelf"], ["fiction"], "path", "shelf"), c.fieldFromText(["book"], ["42"], "path", "book")])],
                              ["ListBooks", (c) => c.mergeParts([c.fieldFromText(["shelf"], ["fiction"], "path", "shelf"), c.fieldFromText(["page_size"], ["20"], "query", "page_size")])]]) {
  const m = table.methods.find((x) => x.name.endsWith("." + name));
  const req = codecs.message(m.requestType), res = codecs.message(m.responseType);
  const r = await t.unary({ path: m.grpcPath, message: build(req), metadata: [], deadline: undefined, signal: undefined });
  const bytes = r.message; console.log(name, bytes.length, "bytes; json", res.toJson(bytes).length);
  for (let round = 0; round < 3; round++) {
    let n = 0; const t0 = process.hrtime.bigint();
    while (n < 200000 / (name === "ListBooks" ? 20 : 1)) { res.toJson(bytes); n++; }
    const dt = Number(process.hrtime.bigint() - t0) / n / 1000; console.log(`  toJson ${dt.toFixed(2)} µs`);
    n = 0; const t1 = process.hrtime.bigint();
    while (n < 200000) { build(req); n++; }
    console.log(`  request build ${(Number(process.hrtime.bigint() - t1) / n / 1000).toFixed(2)} µs`);
  }
  if (name === "GetBook") console.log(res.toJson(bytes));
}
process.exit(0);
