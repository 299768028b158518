/**
 * JSON text → the values JSON.parse makes, except that a number literal JSON.parse would
 * round — an integer in plain digits beyond ±2^53, typically an int64 id sent as a JSON number — stays
 * exact, as a LosslessNumber (protojson and Envoy read such numbers exactly; a double would
 * hand the backend another id without a word). Only text that may hold such a literal comes
 * here (mayHoldBigInteger); JSON.parse, native and several times faster, takes the rest.
 * @internal
 */

/** A JSON number whose exact value a double cannot hold, as its literal text. */
export class LosslessNumber {
  constructor(readonly text: string) {}
}

/**
 * Whether `text` may hold a number literal JSON.parse would round: 16 digits in a row where a
 * value starts (at the start, or after `:`, `,` or `[`, a `-` and spaces), the only way to
 * write an integer past 2^53 without an exponent. Digits inside a string may pass for one
 * (`["a",1234567890123456]` inside a string); they cost a slower parse, nothing else.
 */
export function mayHoldBigInteger(text: string): boolean {
  // Any 16 digits in a row cover exactly one index ≡ 15 (mod 16): only those are looked at
  // (a CreateBook body in ~30 ns, where a regex took ~300).
  for (let i = 15; i < text.length; i += 16) {
    if (!isDigit(text.charCodeAt(i))) continue;
    let start = i;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < text.length && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= 16 && startsValue(text, start)) return true;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Whether a number starting at `at` (its first digit) stands where a JSON value starts. */
function startsValue(text: string, at: number): boolean {
  let i = at - 1;
  if (text.charCodeAt(i) === 0x2d) i--; // "-"
  while (i >= 0 && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x0a || text.charCodeAt(i) === 0x0d || text.charCodeAt(i) === 0x09)) i--;
  if (i < 0) return true;
  const c = text.charCodeAt(i);
  return c === 0x3a || c === 0x2c || c === 0x5b; // ":" "," "["
}

/** JSON text as the codec reads it: JSON.parse's values, with big integers exact (LosslessNumber). */
export function parseJsonText(text: string): unknown {
  return mayHoldBigInteger(text) ? parseLosslessJson(text) : (JSON.parse(text) as unknown);
}

/** Deeper than this is refused, well before the stack would be (the codec allows far less anyway). */
const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const DIGITS_ONLY = /^-?\d+$/;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** Parses like JSON.parse (throwing a SyntaxError), with LosslessNumbers for big integers. */
export function parseLosslessJson(text: string): unknown {
  const parser = new Parser(text);
  parser.space();
  const value = parser.value(0);
  parser.space();
  if (parser.at < text.length) parser.fail("Unexpected non-whitespace character after JSON");
  return value;
}

class Parser {
  at = 0;

  constructor(private readonly text: string) {}

  fail(reason: string): never {
    throw new SyntaxError(`${reason} at position ${this.at}`);
  }

  space(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at++;
    }
    this.at = at;
  }

  value(depth: number): unknown {
    const c = this.text[this.at];
    switch (c) {
      case "{":
        return this.object(depth + 1);
      case "[":
        return this.array(depth + 1);
      case '"':
        return this.string();
      case "t":
        return this.word("true", true);
      case "f":
        return this.word("false", false);
      case "n":
        return this.word("null", null);
      case undefined:
        return this.fail("Unexpected end of JSON input");
      default:
        return this.number();
    }
  }

  private object(depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) this.fail("JSON nested too deeply");
    const out: Record<string, unknown> = {};
    this.at++;
    this.space();
    if (this.text[this.at] === "}") {
      this.at++;
      return out;
    }
    for (;;) {
      if (this.text[this.at] !== '"') this.fail("Expected a property name");
      const key = this.string();
      this.space();
      if (this.text[this.at] !== ":") this.fail("Expected ':' after a property name");
      this.at++;
      this.space();
      const value = this.value(depth);
      // As JSON.parse: an own property even for "__proto__", and the last of a repeated key wins.
      if (key === "__proto__") Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      else out[key] = value;
      this.space();
      const next = this.text[this.at++];
      if (next === "}") return out;
      if (next !== ",") this.fail(next === undefined ? "Unexpected end of JSON input" : "Expected ',' or '}' after a property value");
      this.space();
    }
  }

  private array(depth: number): unknown[] {
    if (depth > MAX_DEPTH) this.fail("JSON nested too deeply");
    const out: unknown[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === "]") {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.space();
      const next = this.text[this.at++];
      if (next === "]") return out;
      if (next !== ",") this.fail(next === undefined ? "Unexpected end of JSON input" : "Expected ',' or ']' after an array element");
      this.space();
    }
  }

  private string(): string {
    const text = this.text;
    let at = this.at + 1;
    let out = "";
    let from = at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x22) break;
      if (Number.isNaN(c)) {
        this.at = at;
        this.fail("Unterminated string in JSON");
      }
      if (c < 0x20) {
        this.at = at;
        this.fail("Bad control character in string literal");
      }
      if (c !== 0x5c) {
        at++;
        continue;
      }
      out += text.slice(from, at);
      const e = text[at + 1];
      if (e === "u") {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.at = at;
          this.fail("Bad Unicode escape in JSON");
        }
        // Lone surrogates pass, as with JSON.parse: the codec refuses them, naming the field.
        out += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else {
        const plain = e === undefined ? undefined : ESCAPES[e];
        if (plain === undefined) {
          this.at = at;
          this.fail("Bad escaped character in JSON");
        }
        out += plain;
        at += 2;
      }
      from = at;
    }
    this.at = at + 1;
    return out + text.slice(from, at);
  }

  private number(): number | LosslessNumber {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.text);
    if (m === null) this.fail(`Unexpected token '${this.text[this.at] ?? ""}'`);
    const literal = m[0];
    this.at += literal.length;
    const value = Number(literal);
    // An integer written out in digits that a double does not hold keeps its text; fractions
    // and exponents are doubles anyway (the only JSON numbers 64-bit fields get are integers).
    return Number.isInteger(value) && !Number.isSafeInteger(value) && DIGITS_ONLY.test(literal) ? new LosslessNumber(literal) : value;
  }

  private word<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) this.fail(`Unexpected token '${this.text[this.at] ?? ""}'`);
    this.at += word.length;
    return value;
  }
}
