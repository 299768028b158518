import test from "ava";
import { metadataFromHeaders, parseGrpcTimeout, responseHeadersFromMetadata } from "../../../../src/runtime/backend/metadata.js";

const context = { requestId: "req-1", peer: "127.0.0.1", forwardedFor: undefined };

test("metadataFromHeaders: forwards Authorization, trace context and Grpc-Metadata-*", (t) => {
  const pairs = metadataFromHeaders(
    {
      authorization: "Bearer abc",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      tracestate: "a=b",
      "grpc-metadata-tenant": "acme",
      host: "api.example",
    },
    context,
  );
  t.deepEqual(pairs, [
    ["authorization", "Bearer abc"],
    ["traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
    ["tracestate", "a=b"],
    ["tenant", "acme"],
    ["x-request-id", "req-1"],
    ["x-forwarded-for", "127.0.0.1"],
    ["x-forwarded-host", "api.example"],
  ]);
});

test("metadataFromHeaders: never forwards reserved, hop-by-hop or x-jwt-* names", (t) => {
  const pairs = metadataFromHeaders(
    {
      "grpc-metadata-x-jwt-sub": "admin",
      "grpc-metadata-grpc-timeout": "1S",
      "grpc-metadata-content-type": "text/plain",
      "grpc-metadata-te": "trailers",
      "grpc-metadata-connection": "close",
      "grpc-metadata-x-request-id": "forged",
      "x-jwt-sub": "admin",
      connection: "keep-alive",
    },
    context,
  );
  t.deepEqual(pairs.map(([key]) => key), ["x-request-id", "x-forwarded-for"]);
});

test("metadataFromHeaders: drops values gRPC cannot carry instead of failing", (t) => {
  const pairs = metadataFromHeaders({ "grpc-metadata-name": "caf\u00e9", "grpc-metadata-ok": "fine" }, context);
  t.deepEqual(pairs.filter(([key]) => key === "name" || key === "ok"), [["ok", "fine"]]);
});

test("metadataFromHeaders: client metadata past 64 fields or 8 KiB is dropped, not forwarded for the backend to refuse", (t) => {
  const many: Record<string, string> = {};
  for (let i = 0; i < 150; i++) many[`grpc-metadata-k${i}`] = "v";
  const kept = metadataFromHeaders(many, context).filter(([key]) => key.startsWith("k"));
  t.is(kept.length, 64);
  t.deepEqual(kept[0], ["k0", "v"]);
  const big = metadataFromHeaders({ "grpc-metadata-a": "x".repeat(5000), "grpc-metadata-b": "y".repeat(5000), authorization: "Bearer t" }, context);
  t.deepEqual(big.map(([key]) => key), ["authorization", "a", "x-request-id", "x-forwarded-for"]);
});

test("metadataFromHeaders: -bin metadata is base64-decoded", (t) => {
  const pairs = metadataFromHeaders({ "grpc-metadata-token-bin": Buffer.from([1, 2, 255]).toString("base64") }, context);
  const value = pairs.find(([key]) => key === "token-bin")?.[1];
  t.deepEqual(value, Buffer.from([1, 2, 255]));
});

test("metadataFromHeaders: -bin values in padded, unpadded and URL-safe base64 pass; anything else is dropped", (t) => {
  const bin = (value: string): unknown => metadataFromHeaders({ "grpc-metadata-x-bin": value }, context).find(([key]) => key === "x-bin")?.[1];
  t.deepEqual(bin("AQL/"), Buffer.from([1, 2, 255]));
  t.deepEqual(bin("AQ=="), Buffer.from([1]));
  t.deepEqual(bin("AQ"), Buffer.from([1]));
  t.deepEqual(bin("AQL_"), Buffer.from([1, 2, 255]));
  t.deepEqual(bin(""), Buffer.alloc(0));
  for (const bad of ["!!!notb64", "AQL/=", "A", "AQ=x", "AQ L/"]) t.is(bin(bad), undefined, bad);
});

test("metadataFromHeaders: extends a trusted X-Forwarded-For chain with the peer", (t) => {
  const pairs = metadataFromHeaders({}, { requestId: "r", peer: "10.0.0.2", forwardedFor: "203.0.113.7" });
  t.deepEqual(pairs.find(([key]) => key === "x-forwarded-for"), ["x-forwarded-for", "203.0.113.7, 10.0.0.2"]);
});

test("responseHeadersFromMetadata: headers and trailers get their prefixes, binary as base64", (t) => {
  t.deepEqual(
    responseHeadersFromMetadata([["x-served-by", "b1"]], [["x-cost-bin", Buffer.from([0xff])], ["x-why", "gone"]]),
    [
      ["Grpc-Metadata-x-served-by", "b1"],
      ["Grpc-Trailer-x-cost-bin", "/w=="],
      ["Grpc-Trailer-x-why", "gone"],
    ],
  );
});

test("responseHeadersFromMetadata: names and values HTTP cannot carry are dropped", (t) => {
  t.deepEqual(
    responseHeadersFromMetadata([["x-line", "a\r\nInjected: 1"], ["Bad Name", "v"], ["x-ok", "v"]], [["x-\u00e9", "v"], ["x-text", "caf\u00e9"]]),
    [["Grpc-Metadata-x-ok", "v"]],
  );
});

const timeouts: ReadonlyArray<readonly [string, number]> = [
  ["2H", 7_200_000],
  ["3M", 180_000],
  ["1S", 1000],
  ["500m", 500],
  ["1500u", 1.5],
  ["2000000n", 2],
];
for (const [header, ms] of timeouts) {
  test(`parseGrpcTimeout: ${header} is ${ms} ms`, (t) => {
    t.is(parseGrpcTimeout(header), ms);
  });
}

test("parseGrpcTimeout: absent is no timeout", (t) => {
  t.is(parseGrpcTimeout(undefined), undefined);
});

for (const bad of ["", "10", "1s", "123456789S", "-1S", "1.5S"]) {
  test(`parseGrpcTimeout: rejects ${JSON.stringify(bad)}`, (t) => {
    t.throws(() => parseGrpcTimeout(bad), {
      message: `invalid Grpc-Timeout header ${JSON.stringify(bad)} (use e.g. 500m, 2S)`,
    });
  });
}
