import test from "ava";
import { parseByteSize } from "../../../src/config/byte-size.js";
import { ConfigError } from "../../../src/config/config-error.js";

const parses = test.macro({
  exec(t, input: string | number, expected: number) {
    t.is(parseByteSize(input), expected);
  },
  title: (_given, input: string | number, expected: number) => `parseByteSize: ${JSON.stringify(input)} → ${expected}`,
});
test(parses, "4MiB", 4 * 1024 * 1024);
test(parses, "512KiB", 512 * 1024);
test(parses, "1GiB", 1024 ** 3);
test(parses, "1MB", 1_000_000); // decimal units are powers of 1000
test(parses, "1kB", 1000);
test(parses, "1KB", 1000);
test(parses, "2GB", 2_000_000_000);
test(parses, "1024", 1024); // a bare number is bytes
test(parses, "100B", 100);
test(parses, "1.5KiB", 1536);
test(parses, "4 MiB", 4 * 1024 * 1024); // one space is fine
test(parses, 65536, 65536); // YAML numbers pass through
test(parses, 0, 0);

const rejects = test.macro({
  exec(t, input: string | number, message: string) {
    const error = t.throws(() => parseByteSize(input), { instanceOf: ConfigError });
    t.is(error?.message, message);
  },
  title: (_given, input: string | number) => `parseByteSize: rejects ${JSON.stringify(input)}`,
});
const hint = "(use e.g. 4MiB, 512KiB, 1MB or a number of bytes)";
test(rejects, "4 megs", `"4 megs" is not a size ${hint}`);
test(rejects, "4mb", `"4mb" is not a size ${hint}`); // units are case-sensitive: mb is not MB
test(rejects, "-1", `"-1" is not a size ${hint}`);
test(rejects, "", `"" is not a size ${hint}`);
test(rejects, "MiB", `"MiB" is not a size ${hint}`);
test(rejects, "1.1B", `"1.1B" is not a whole number of bytes ${hint}`);
test(rejects, "99999999999GiB", `"99999999999GiB" is too large`);
test(rejects, -1, `-1 is not a size ${hint}`);
test(rejects, 1.5, `1.5 is not a size ${hint}`);
