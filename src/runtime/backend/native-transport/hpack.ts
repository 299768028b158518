import { H2Code, Http2ProtocolError } from "./errors.js";
import { huffmanDecode, huffmanEncodeInto, huffmanLength } from "./huffman.js";

/** A decoded header field; values are latin1 strings (one char per octet). */
export type HeaderField = readonly [name: string, value: string];

// RFC 7541 Appendix A.
const STATIC_TABLE: readonly HeaderField[] = [
  [":authority", ""], [":method", "GET"], [":method", "POST"], [":path", "/"], [":path", "/index.html"],
  [":scheme", "http"], [":scheme", "https"], [":status", "200"], [":status", "204"], [":status", "206"],
  [":status", "304"], [":status", "400"], [":status", "404"], [":status", "500"], ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"], ["accept-language", ""], ["accept-ranges", ""], ["accept", ""],
  ["access-control-allow-origin", ""], ["age", ""], ["allow", ""], ["authorization", ""], ["cache-control", ""],
  ["content-disposition", ""], ["content-encoding", ""], ["content-language", ""], ["content-length", ""],
  ["content-location", ""], ["content-range", ""], ["content-type", ""], ["cookie", ""], ["date", ""], ["etag", ""],
  ["expect", ""], ["expires", ""], ["from", ""], ["host", ""], ["if-match", ""], ["if-modified-since", ""],
  ["if-none-match", ""], ["if-range", ""], ["if-unmodified-since", ""], ["last-modified", ""], ["link", ""],
  ["location", ""], ["max-forwards", ""], ["proxy-authenticate", ""], ["proxy-authorization", ""], ["range", ""],
  ["referer", ""], ["refresh", ""], ["retry-after", ""], ["server", ""], ["set-cookie", ""],
  ["strict-transport-security", ""], ["transfer-encoding", ""], ["user-agent", ""], ["vary", ""], ["via", ""],
  ["www-authenticate", ""],
];
const STATIC_NAME_INDEX = new Map<string, number>();
for (let i = STATIC_TABLE.length - 1; i >= 0; i--) STATIC_NAME_INDEX.set(STATIC_TABLE[i]![0], i + 1);

const ENTRY_OVERHEAD = 32;
// Integers above this are hostile (no legitimate length or index comes close).
const MAX_INTEGER = 2 ** 28;

function fail(message: string): never {
  throw new Http2ProtocolError(H2Code.COMPRESSION_ERROR, `hpack: ${message}`);
}

/**
 * The HPACK decoder of one connection (RFC 7541): static and dynamic table, Huffman.
 * Any error leaves the table out of step with the peer's, so the caller must end the
 * connection (COMPRESSION_ERROR); the only throw is Http2ProtocolError.
 */
export class HpackDecoder {
  // Newest entry last.
  private readonly entries: HeaderField[] = [];
  private size = 0;
  private maxSize: number;

  constructor(
    /** Our SETTINGS_HEADER_TABLE_SIZE: the bound on size updates. */
    private readonly settingsMaxSize = 4096,
    /** Bound on the decoded list (name + value + 32 each), against small blocks that expand. */
    private readonly maxHeaderListSize = 256 * 1024,
  ) {
    this.maxSize = settingsMaxSize;
  }

  get tableSize(): number {
    return this.size;
  }

  get tableEntries(): readonly HeaderField[] {
    return [...this.entries].reverse();
  }

  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    let listSize = 0;
    let pos = 0;
    let sizeUpdateAllowed = true;
    const readInteger = (prefixBits: number): number => {
      const mask = (1 << prefixBits) - 1;
      let value = block[pos++]! & mask;
      if (value < mask) return value;
      let shift = 0;
      for (;;) {
        if (pos >= block.length) fail("truncated integer");
        const byte = block[pos++]!;
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
        if (value > MAX_INTEGER) fail("integer too large");
        if ((byte & 0x80) === 0) return value;
      }
    };
    const readString = (): string => {
      if (pos >= block.length) fail("truncated string");
      const huffman = (block[pos]! & 0x80) !== 0;
      const length = readInteger(7);
      if (length > block.length - pos) fail("truncated string");
      const raw = block.subarray(pos, pos + length);
      pos += length;
      const bytes = huffman ? huffmanDecode(raw, this.maxHeaderListSize) : raw;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    };
    const emit = (field: HeaderField): void => {
      listSize += field[0].length + field[1].length + ENTRY_OVERHEAD;
      if (listSize > this.maxHeaderListSize) throw new Http2ProtocolError(H2Code.ENHANCE_YOUR_CALM, "hpack: header list too large");
      fields.push(field);
    };
    while (pos < block.length) {
      const byte = block[pos]!;
      if (byte & 0x80) {
        emit(this.lookup(readInteger(7)));
      } else if (byte & 0x40) {
        const field = this.readLiteral(readInteger(6), readString);
        this.insert(field);
        emit(field);
      } else if (byte & 0x20) {
        // RFC 7541 §4.2: size updates come first in a block.
        if (!sizeUpdateAllowed) fail("table size update after a field");
        const size = readInteger(5);
        if (size > this.settingsMaxSize) fail("table size update above the limit");
        this.maxSize = size;
        this.evict(0);
        continue;
      } else {
        // Without indexing (0000) and never indexed (0001): same 4-bit prefix.
        emit(this.readLiteral(readInteger(4), readString));
      }
      sizeUpdateAllowed = false;
    }
    return fields;
  }

  private readLiteral(nameIndex: number, readString: () => string): HeaderField {
    const name = nameIndex === 0 ? readString() : this.lookup(nameIndex)[0];
    return [name, readString()];
  }

  private lookup(index: number): HeaderField {
    if (index === 0) fail("index 0");
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const field = this.entries[this.entries.length - (index - STATIC_TABLE.length)];
    if (field === undefined) fail(`index ${index} out of range`);
    return field;
  }

  private insert(field: HeaderField): void {
    const entrySize = field[0].length + field[1].length + ENTRY_OVERHEAD;
    if (entrySize > this.maxSize) {
      // RFC 7541 §4.4: a too-large entry empties the table.
      this.entries.length = 0;
      this.size = 0;
      return;
    }
    this.evict(entrySize);
    this.entries.push(field);
    this.size += entrySize;
  }

  private evict(room: number): void {
    while (this.size + room > this.maxSize && this.entries.length > 0) {
      const oldest = this.entries.shift()!;
      this.size -= oldest[0].length + oldest[1].length + ENTRY_OVERHEAD;
    }
  }
}

const SHORT_TEXT = 48;

/**
 * Writes header blocks. It never adds to the dynamic table, so it keeps no state in
 * step with the peer and a block can be pre-encoded once and reused on any connection.
 */
export class HpackWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(
    initialSize = 256,
    private readonly huffman = true,
  ) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  /** Empties the writer for a new block; the buffer (grown or not) is kept. */
  reset(): this {
    this.length = 0;
    return this;
  }

  /** An indexed field from the static table (`:method POST` = 3). */
  indexed(index: number): this {
    this.integer(index, 7, 0x80);
    return this;
  }

  /** A literal field without indexing; the name from the static table when it is there. */
  literal(name: string, value: string | Uint8Array): this {
    const nameIndex = STATIC_NAME_INDEX.get(name);
    if (nameIndex === undefined) {
      this.integer(0, 4, 0x00);
      this.text(name);
    } else {
      this.integer(nameIndex, 4, 0x00);
    }
    if (typeof value === "string") this.text(value);
    else this.string(value);
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** A copy of what was written. */
  finish(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  /** What was written, without a copy: for a writer used once and dropped. */
  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** A latin1 string; without Huffman it goes straight into the buffer, with no Buffer of its own. */
  private text(text: string): void {
    if (this.huffman) {
      this.string(Buffer.from(text, "latin1"));
      return;
    }
    const n = text.length;
    this.integer(n, 7, 0x00);
    this.reserve(n);
    if (n > SHORT_TEXT) {
      this.length += this.buffer.write(text, this.length, "latin1");
      return;
    }
    // A request id or an address: a loop costs less than the native call (latin1 = the low byte).
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) buffer[at++] = text.charCodeAt(i) & 0xff;
    this.length = at;
  }

  private string(bytes: Uint8Array): void {
    const huffmanSize = this.huffman ? huffmanLength(bytes) : Infinity;
    if (huffmanSize < bytes.length) {
      this.integer(huffmanSize, 7, 0x80);
      this.reserve(huffmanSize);
      this.length = huffmanEncodeInto(bytes, this.buffer, this.length);
    } else {
      this.integer(bytes.length, 7, 0x00);
      this.raw(bytes);
    }
  }

  private integer(value: number, prefixBits: number, flags: number): void {
    this.reserve(8);
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      this.buffer[this.length++] = flags | value;
      return;
    }
    this.buffer[this.length++] = flags | max;
    let rest = value - max;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
