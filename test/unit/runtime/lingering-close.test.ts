import test from "ava";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { lingerOnClose } from "../../../src/runtime/lingering-close.js";

const BODY = '{"code":8,"message":"too large","details":[]}';

/** Answers 413 with Connection: close at once, without reading the body. */
async function refusingServer(linger: boolean): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(413, { "content-type": "application/json", "content-length": BODY.length, connection: "close" });
    res.end(BODY);
  });
  if (linger) server.on("connection", (socket: Socket) => lingerOnClose(socket, 5_000));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * A client that does not read while it sends: it writes the head and a megabyte, waits for
 * the answer to be sent (and, without lingering, for the server's close), writes more (which
 * a closed peer resets), then writes once more (which fails on the reset) before it reads.
 */
async function sendWithoutReading(port: number): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  socket.pause();
  let answer = "";
  let failure: Error | undefined;
  socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
  socket.on("error", (error) => (failure = error));
  const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  const piece = Buffer.alloc(1024 * 1024, "x");
  socket.write(`POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: ${8 * piece.length}\r\nConnection: close\r\n\r\n`);
  socket.write(piece);
  await sleep(200);
  socket.write(piece);
  await sleep(200);
  socket.write(piece);
  await sleep(100);
  socket.resume();
  await ended;
  if (answer === "" && failure !== undefined) throw failure;
  return answer;
}

test("lingering close: a client still sending reads the answer sent before the close", async (t) => {
  const { server, port } = await refusingServer(true);
  t.teardown(() => server.close());
  const answer = await sendWithoutReading(port);
  t.regex(answer, /^HTTP\/1\.1 413 /);
  t.true(answer.endsWith(BODY), answer);
});

test("lingering close: the server closes as soon as the client ends its side, not after the linger", async (t) => {
  const { server, port } = await refusingServer(true);
  t.teardown(() => server.close());
  const socket = connect(port, "127.0.0.1");
  let answer = "";
  socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
  socket.write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  // The client (allowHalfOpen off) ends its side on our FIN.
  await new Promise<void>((resolve) => socket.on("close", () => resolve()));
  t.regex(answer, /^HTTP\/1\.1 413 /);
  const lingerEnd = Date.now() + 4_000;
  while ((await connections(server)) > 0) {
    if (Date.now() > lingerEnd) return t.fail("the server kept the connection for the whole linger");
    await sleep(10);
  }
  t.pass();
});

function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}
