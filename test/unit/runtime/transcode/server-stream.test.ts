import test from "ava";
import { frameEnd, frameError, frameMessage, streamFormat } from "../../../../src/runtime/transcode/server-stream.js";

const accepts: ReadonlyArray<readonly [string | undefined, ReturnType<typeof streamFormat>]> = [
  [undefined, "ndjson"],
  ["*/*", "ndjson"],
  ["application/x-ndjson", "ndjson"],
  ["text/event-stream", "sse"],
  ["text/event-stream;q=0.9, application/json", "sse"],
  ["application/json", "json-array"],
  ["Application/JSON; charset=utf-8", "json-array"],
  ["application/json, application/x-ndjson", "ndjson"],
  ["text/html", "ndjson"],
];
for (const [accept, format] of accepts) {
  test(`streamFormat: Accept ${JSON.stringify(accept)} is ${format}`, (t) => {
    t.is(streamFormat(accept), format);
  });
}

test("frameMessage: NDJSON result lines, SSE data frames, array elements", (t) => {
  t.is(frameMessage("ndjson", '{"a":1}', 0), '{"result":{"a":1}}\n');
  t.is(frameMessage("sse", '{"a":1}', 3), 'data: {"a":1}\n\n');
  t.is(frameMessage("json-array", '{"a":1}', 0), '[{"a":1}');
  t.is(frameMessage("json-array", '{"a":1}', 1), ',{"a":1}');
});

test("frameEnd: only the array has a closing frame", (t) => {
  t.deepEqual([frameEnd("json-array", 0), frameEnd("json-array", 2), frameEnd("ndjson", 2), frameEnd("sse", 0)], ["[]", "]", "", ""]);
});

test("frameError: NDJSON error line, SSE error event, none for arrays and raw bytes", (t) => {
  const status = '{"code":9,"message":"m","details":[]}';
  t.is(frameError("ndjson", status), `{"error":${status}}\n`);
  t.is(frameError("sse", status), `event: error\ndata: ${status}\n\n`);
  t.is(frameError("json-array", status), undefined);
  t.is(frameError("raw", status), undefined);
});
