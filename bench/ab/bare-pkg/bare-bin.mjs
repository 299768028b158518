#!/usr/bin/env -S node --single-threaded-gc
// `protogate serve --proto-path P --backend B --listen HOST:PORT` for the shared harness,
// answered by the bare floor (GetBook only; other flags are ignored).
const flag = (name) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
process.env.PORT = (flag("--listen") ?? "127.0.0.1:18084").split(":").pop();
process.env.BACKEND = flag("--backend") ?? "127.0.0.1:19090";
if (flag("--proto-path") !== undefined) process.env.PROTOS = flag("--proto-path");
await import("../bare.mjs");
