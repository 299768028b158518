import test from "ava";
import { get, startPolicyGateways } from "../helpers/policy-gateway.js";
import type { Answer } from "../helpers/policy-gateway.js";
import { startRedis } from "../helpers/start-redis.js";

const ONE_MINUTE_RESET = /^(?:[1-5]?[0-9]|60)$/;
// The fixture's GetSecret requires auth, so every config names a provider.
const PROVIDER = "auth:\n  providers:\n    - { id: main, secret: rate-limit-e2e-secret }\n";

function count(answers: readonly Answer[], status: number): number {
  return answers.filter((a) => a.status === status).length;
}

test("rate limit e2e: of 10 concurrent requests exactly 3 pass (proto rule); 429s carry Retry-After and RateLimit-*", async (t) => {
  const policy = await startPolicyGateways([`json: { emitUnpopulated: false }\n${PROVIDER}`]);
  t.teardown(() => policy.stop());
  const url = policy.gateways[0]!.url;
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => get(`${url}/v1/limited/${i}`)));
  t.is(count(answers, 200), 3);
  t.is(count(answers, 429), 7);
  t.is(policy.backend.calls.length, 3);
  for (const answer of answers) {
    t.is(answer.headers.get("ratelimit-limit"), "3");
    t.regex(answer.headers.get("ratelimit-reset") ?? "", ONE_MINUTE_RESET);
    if (answer.status === 429) {
      t.is(answer.headers.get("ratelimit-remaining"), "0");
      t.regex(answer.headers.get("retry-after") ?? "", ONE_MINUTE_RESET);
      t.deepEqual(answer.json, { code: 8, message: "rate limit exceeded: 3 requests per 60s", details: [] });
    } else t.is(answer.headers.get("retry-after"), null);
  }
  t.deepEqual(answers.filter((a) => a.status === 200).map((a) => a.headers.get("ratelimit-remaining")).sort(), ["0", "1", "2"]);
  // Unlimited methods carry no RateLimit headers.
  const open = await get(`${url}/v1/open/1`);
  t.is(open.headers.get("ratelimit-limit"), null);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.regex(metrics, /^protogate_rate_limit_rejections_total\{rpc="policy\.v1\.PolicyService\.GetLimited"\} 7$/m);
});

test("rate limit e2e: a header key gives every key its own budget; a missing header falls back to the IP", async (t) => {
  const config = `${PROVIDER}rules:
  - selector: policy.v1.PolicyService.GetOpen
    rateLimit: { requests: 2, per: 1m, key: "header:X-Api-Key" }
`;
  const policy = await startPolicyGateways([config]);
  t.teardown(() => policy.stop());
  const url = policy.gateways[0]!.url;
  const fire = (key: string | undefined) =>
    Promise.all(Array.from({ length: 5 }, (_, i) => get(`${url}/v1/open/${i}`, key === undefined ? {} : { "x-api-key": key })));
  const [a, b, none] = await Promise.all([fire("a"), fire("b"), fire(undefined)]);
  t.is(count(a, 200), 2);
  t.is(count(b, 200), 2);
  t.is(count(none, 200), 2);
  t.is(count([...a, ...b, ...none], 429), 9);
});

test("rate limit e2e: two gateways on one redis-server share one budget; Redis killed → allow or deny as configured, fast", async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop("SIGKILL"));
  // GetOptional's large budget is only there to see each replica's store answering before the test.
  const rule = `${PROVIDER}rules:
  - selector: policy.v1.PolicyService.GetOpen
    rateLimit: { requests: 4, per: 1m }
  - selector: policy.v1.PolicyService.GetOptional
    rateLimit: { requests: 1000, per: 1m }
`;
  const allow = `rateLimitStore: { redis: "${redis.url}", timeout: 300ms }\n${rule}`;
  const deny = `rateLimitStore: { redis: "${redis.url}", timeout: 300ms, onStoreError: deny }\n${rule}`;
  const policy = await startPolicyGateways([allow, deny]);
  t.teardown(() => policy.stop());
  const [one, two] = policy.gateways.map((g) => g.url) as [string, string];
  // RateLimit-* headers only come with an answer from the store: wait until both replicas have one.
  for (const url of [one, two]) {
    for (let i = 0; i < 100 && (await get(`${url}/v1/optional/warm`)).headers.get("ratelimit-limit") === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => get(`${i % 2 === 0 ? one : two}/v1/open/${i}`)));
  t.is(count(answers, 200), 4);
  t.is(count(answers, 429), 8);

  await redis.stop("SIGKILL");
  // The budget is spent, but the store is gone: the allow replica fails open, the deny one refuses.
  const afterOne = await Promise.all([get(`${one}/v1/open/a`), get(`${one}/v1/open/b`)]);
  const afterTwo = await get(`${two}/v1/open/c`);
  t.deepEqual(afterOne.map((a) => a.status), [200, 200]);
  t.is(afterOne[0]!.headers.get("ratelimit-limit"), null);
  t.is(afterTwo.status, 503);
  t.deepEqual(afterTwo.json, { code: 14, message: "rate limit store unavailable; try again later", details: [] });
  // The log line crosses a pipe: give it a moment to arrive.
  for (let i = 0; i < 50 && !policy.gateways[0]!.output().includes("rate-limit store unavailable"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.regex(policy.gateways[0]!.output(), /"msg":"rate-limit store unavailable"/);
  t.regex(await (await fetch(`${one}/metrics`)).text(), /^protogate_rate_limit_store_errors_total\{outcome="allow"\} 2$/m);
  t.regex(await (await fetch(`${two}/metrics`)).text(), /^protogate_rate_limit_store_errors_total\{outcome="deny"\} 1$/m);
});
