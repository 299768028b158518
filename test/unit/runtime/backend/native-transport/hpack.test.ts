import test from "ava";
import { Http2ProtocolError } from "../../../../../src/runtime/backend/native-transport/errors.js";
import { HpackDecoder, HpackWriter } from "../../../../../src/runtime/backend/native-transport/hpack.js";
import type { HeaderField } from "../../../../../src/runtime/backend/native-transport/hpack.js";
import { huffmanDecode, huffmanEncode } from "../../../../../src/runtime/backend/native-transport/huffman.js";

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ""), "hex");

interface Step {
  readonly block: string;
  readonly fields: HeaderField[];
  /** Dynamic table after the block, newest first, and its size. */
  readonly table: HeaderField[];
  readonly size: number;
}

const DATE1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2 = "Mon, 21 Oct 2013 20:13:22 GMT";
const COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
const LOCATION = "https://www.example.com";

const REQUESTS = (blocks: [string, string, string]): Step[] => [
  {
    block: blocks[0],
    fields: [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"]],
    table: [[":authority", "www.example.com"]],
    size: 57,
  },
  {
    block: blocks[1],
    fields: [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"], ["cache-control", "no-cache"]],
    table: [["cache-control", "no-cache"], [":authority", "www.example.com"]],
    size: 110,
  },
  {
    block: blocks[2],
    fields: [[":method", "GET"], [":scheme", "https"], [":path", "/index.html"], [":authority", "www.example.com"], ["custom-key", "custom-value"]],
    table: [["custom-key", "custom-value"], ["cache-control", "no-cache"], [":authority", "www.example.com"]],
    size: 164,
  },
];

const RESPONSES = (blocks: [string, string, string]): Step[] => [
  {
    block: blocks[0],
    fields: [[":status", "302"], ["cache-control", "private"], ["date", DATE1], ["location", LOCATION]],
    table: [["location", LOCATION], ["date", DATE1], ["cache-control", "private"], [":status", "302"]],
    size: 222,
  },
  {
    block: blocks[1],
    fields: [[":status", "307"], ["cache-control", "private"], ["date", DATE1], ["location", LOCATION]],
    table: [[":status", "307"], ["location", LOCATION], ["date", DATE1], ["cache-control", "private"]],
    size: 222,
  },
  {
    block: blocks[2],
    fields: [[":status", "200"], ["cache-control", "private"], ["date", DATE2], ["location", LOCATION], ["content-encoding", "gzip"], ["set-cookie", COOKIE]],
    table: [["set-cookie", COOKIE], ["content-encoding", "gzip"], ["date", DATE2]],
    size: 215,
  },
];

// RFC 7541 Appendix C.
const SEQUENCES: Array<{ name: string; tableSize: number; steps: Step[] }> = [
  {
    name: "C.2.1 literal with indexing",
    tableSize: 4096,
    steps: [{ block: "400a637573746f6d2d6b65790d637573746f6d2d686561646572", fields: [["custom-key", "custom-header"]], table: [["custom-key", "custom-header"]], size: 55 }],
  },
  { name: "C.2.2 literal without indexing", tableSize: 4096, steps: [{ block: "040c2f73616d706c652f70617468", fields: [[":path", "/sample/path"]], table: [], size: 0 }] },
  { name: "C.2.3 literal never indexed", tableSize: 4096, steps: [{ block: "100870617373776f726406736563726574", fields: [["password", "secret"]], table: [], size: 0 }] },
  { name: "C.2.4 indexed field", tableSize: 4096, steps: [{ block: "82", fields: [[":method", "GET"]], table: [], size: 0 }] },
  {
    name: "C.3 requests without Huffman",
    tableSize: 4096,
    steps: REQUESTS([
      "828684410f7777772e6578616d706c652e636f6d",
      "828684be58086e6f2d6361636865",
      "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    ]),
  },
  {
    name: "C.4 requests with Huffman",
    tableSize: 4096,
    steps: REQUESTS(["828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf", "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"]),
  },
  {
    name: "C.5 responses without Huffman (eviction)",
    tableSize: 256,
    steps: RESPONSES([
      "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
      "4803333037c1c0bf",
      "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
    ]),
  },
  {
    name: "C.6 responses with Huffman (eviction)",
    tableSize: 256,
    steps: RESPONSES([
      "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
      "4883640effc1c0bf",
      "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
    ]),
  },
];

for (const sequence of SEQUENCES) {
  test(`hpack decoder: RFC 7541 ${sequence.name}`, (t) => {
    const decoder = new HpackDecoder(sequence.tableSize);
    for (const step of sequence.steps) {
      t.deepEqual(decoder.decode(hex(step.block)), step.fields);
      t.deepEqual(decoder.tableEntries, step.table);
      t.is(decoder.tableSize, step.size);
    }
  });
}

test("hpack writer: C.2.2 literal without indexing, byte for byte (no Huffman)", (t) => {
  t.is(new HpackWriter(16, false).literal(":path", "/sample/path").finish().toString("hex"), "040c2f73616d706c652f70617468");
});

test("hpack writer: Huffman strings as in C.4.1 (www.example.com)", (t) => {
  t.is(new HpackWriter().literal(":authority", "www.example.com").finish().toString("hex"), "018cf1e3c2e5f23a6ba0ab90f4ff");
  t.is(huffmanEncode(Buffer.from("no-cache")).toString("hex"), "a8eb10649cbf");
  t.is(huffmanEncode(Buffer.from("custom-key")).toString("hex"), "25a849e95ba97d7f");
});

test("hpack writer: indexed fields and integers across prefix boundaries", (t) => {
  const long = "v".repeat(300);
  const block = new HpackWriter(4, false).indexed(3).indexed(7).literal("x-long", long).literal("content-type", "application/grpc").finish();
  t.is(block.subarray(0, 2).toString("hex"), "8387");
  t.deepEqual(new HpackDecoder().decode(block), [[":method", "POST"], [":scheme", "https"], ["x-long", long], ["content-type", "application/grpc"]]);
});

test("hpack writer: short and long literals (loop and native write) are the same latin1 bytes; reset starts a new block", (t) => {
  const latin1 = (text: string): string => Buffer.from(text, "latin1").toString("hex");
  const writer = new HpackWriter(8, false);
  for (const value of ["", "a", "caf\u00e9 \u00ff", "x".repeat(48), "y".repeat(49), `${"\u00e9".repeat(60)}z`]) {
    const block = writer.reset().literal("x-k", value).view();
    // 0x00, name length 3, "x-k", then the value's length prefix and bytes.
    t.is(block.subarray(0, 5).toString("hex"), "0003782d6b");
    t.is(block.subarray(block.length - value.length).toString("hex"), latin1(value), JSON.stringify(value));
    t.deepEqual(new HpackDecoder().decode(block), [["x-k", value]]);
  }
});

test("huffman: every byte value round-trips", (t) => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  t.deepEqual(huffmanDecode(huffmanEncode(all), 1024), all);
});

const BAD_BLOCKS: Array<[string, string]> = [
  ["80", "hpack: index 0"],
  ["be", "hpack: index 62 out of range"],
  ["ff80", "hpack: truncated integer"],
  ["ff7f", "hpack: index 254 out of range"],
  ["ffffffffff0f", "hpack: integer too large"],
  ["000561", "hpack: truncated string"],
  ["0081000161", "huffman: invalid padding"],
  ["0084ffffffff0161", "huffman: EOS in string"],
  ["823f0f", "hpack: table size update after a field"],
  ["3fe21f", "hpack: table size update above the limit"],
];

for (const [block, message] of BAD_BLOCKS) {
  test(`hpack decoder: ${block} is rejected with "${message}"`, (t) => {
    const error = t.throws(() => new HpackDecoder().decode(hex(block)), { instanceOf: Http2ProtocolError });
    t.is(error?.message, message);
  });
}

test("hpack decoder: a small block that expands past the header list bound is rejected", (t) => {
  const decoder = new HpackDecoder(4096, 8192);
  // One 3000-byte entry (literal with indexing, name "x"), then referenced three times: 9 KiB from 3 bytes.
  const insert = Buffer.concat([hex("400178" + "7fb916"), Buffer.alloc(3000, 0x79)]);
  t.deepEqual(decoder.decode(insert).map(([name, value]) => [name, value.length]), [["x", 3000]]);
  const error = t.throws(() => decoder.decode(hex("bebebe")), { instanceOf: Http2ProtocolError });
  t.is(error?.message, "hpack: header list too large");
});
