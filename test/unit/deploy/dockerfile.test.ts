import test from "ava";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { validate } from "dockerfile-utils";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const dockerfile = readFileSync(`${ROOT}Dockerfile`, "utf8");
// Instructions, with `\` continuations joined and comments dropped.
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (line.startsWith("FROM ")) all.push([]);
  all.at(-1)?.push(line);
  return all;
}, []);
const final = stages.at(-1) ?? [];

test("Dockerfile: multi-stage, the runtime stage copying only build output from the first", (t) => {
  t.true(stages.length >= 2);
  t.true(final.some((line) => line.startsWith("COPY --from=build /app/dist/src ")));
});

test("Dockerfile: the runtime stage runs as a non-root user", (t) => {
  const user = final.filter((line) => line.startsWith("USER ")).at(-1);
  t.truthy(user);
  t.notRegex(user ?? "", /^USER (root|0)(:|$)/);
});

test("Dockerfile: HEALTHCHECK probes /healthz", (t) => {
  t.regex(final.find((line) => line.startsWith("HEALTHCHECK ")) ?? "", /\/healthz/);
});

test("Dockerfile: no stage copies test/, and .dockerignore keeps it out of the context", (t) => {
  for (const line of instructions.filter((l) => l.startsWith("COPY "))) t.notRegex(line, /(^|\s)\.?\/?test(\/|\s|$)/, line);
  t.true(readFileSync(`${ROOT}.dockerignore`, "utf8").split("\n").includes("test"));
});

test("Dockerfile: exec-form ENTRYPOINT, so SIGTERM reaches the gateway", (t) => {
  t.regex(final.find((line) => line.startsWith("ENTRYPOINT ")) ?? "", /^ENTRYPOINT \[/);
});

test("Dockerfile: dockerfile-utils' linter finds nothing (and does find a broken line)", (t) => {
  t.deepEqual(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
  t.deepEqual(validate("FROM node:20\nCOPY\n").map((d) => d.message), ["COPY requires at least two arguments"]);
});
