import test from "ava";
import { ConfigError, isConfigError } from "../../../src/config/config-error.js";

test("ConfigError: the message is file:line: keyPath: reason on one line", (t) => {
  const error = new ConfigError(`"soon" is not a duration`, { file: "config.yaml", line: 3, keyPath: "shutdown.gracePeriod" });
  t.is(error.message, `config.yaml:3: shutdown.gracePeriod: "soon" is not a duration`);
  t.is(error.name, "ConfigError");
  t.is(error.file, "config.yaml");
  t.is(error.line, 3);
  t.is(error.keyPath, "shutdown.gracePeriod");
  t.is(error.reason, `"soon" is not a duration`);
});

test("ConfigError: leaves out the parts it does not know", (t) => {
  t.is(new ConfigError("unknown key", { file: "c.yaml", line: 1 }).message, "c.yaml:1: unknown key");
  t.is(new ConfigError("cannot read the config file", { file: "c.yaml" }).message, "c.yaml: cannot read the config file");
  t.is(new ConfigError("bad", { keyPath: "--backend" }).message, "--backend: bad");
  t.is(new ConfigError("bad").message, "bad");
  t.is(new ConfigError("bad").keyPath, "");
});

test("ConfigError: at() places a bare reason and keeps the cause", (t) => {
  const cause = new Error("inner");
  const placed = new ConfigError("bad", {}, { cause }).at({ file: "c.yaml", line: 7, keyPath: "rules[2].timeout" });
  t.is(placed.message, "c.yaml:7: rules[2].timeout: bad");
  t.is(placed.cause, cause);
  t.true(placed instanceof ConfigError);
});

test("isConfigError: only ConfigError", (t) => {
  t.true(isConfigError(new ConfigError("x")));
  t.false(isConfigError(new Error("x")));
  t.false(isConfigError({ name: "ConfigError", message: "x" }));
});
