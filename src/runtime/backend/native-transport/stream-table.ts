/**
 * The open streams of one connection, by stream id.
 *
 * Not a `Map`: when V8 outgrows a Map's hash table it leaves the old table pointing at its
 * successor, still holding the entries it had. Streams come and go thousands of times a
 * second, so tables are replaced all the time; once one of them has been promoted to old
 * space (every mark-compact promotes the young generation), it keeps each later table and
 * the calls in them alive through scavenges until the next mark-compact. Those calls are
 * promoted in turn, old space fills, and the mark-compacts come every second or two
 * (bench/README.md, "the Map that kept calls alive").
 *
 * Open addressing with linear probing, deletion by backward shift: the two arrays are
 * reused and hold no stream after its removal. Ids are positive and below 2^31.
 */
export class StreamTable<T> {
  /** 0 marks an empty slot. */
  private ids: Int32Array;
  private slots: (T | undefined)[];
  private mask: number;
  private count = 0;

  constructor(capacity = 64) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(capacity, 2)));
    this.ids = new Int32Array(size);
    this.slots = new Array<T | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  get(id: number): T | undefined {
    const ids = this.ids;
    // Client stream ids are odd and increasing: halving them makes neighbours adjacent.
    for (let i = (id >>> 1) & this.mask; ; i = (i + 1) & this.mask) {
      const key = ids[i]!;
      if (key === id) return this.slots[i];
      if (key === 0) return undefined;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, value: T): void {
    if ((this.count + 1) * 2 > this.ids.length) this.grow();
    const ids = this.ids;
    let i = (id >>> 1) & this.mask;
    while (ids[i] !== 0 && ids[i] !== id) i = (i + 1) & this.mask;
    if (ids[i] === 0) this.count++;
    ids[i] = id;
    this.slots[i] = value;
  }

  delete(id: number): boolean {
    const ids = this.ids;
    const mask = this.mask;
    let hole = (id >>> 1) & mask;
    while (ids[hole] !== id) {
      if (ids[hole] === 0) return false;
      hole = (hole + 1) & mask;
    }
    // Move later entries of the probe run back into the hole when their home slot allows it,
    // so that every lookup still reaches its entry before an empty slot.
    for (let next = (hole + 1) & mask; ids[next] !== 0; next = (next + 1) & mask) {
      const home = (ids[next]! >>> 1) & mask;
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        ids[hole] = ids[next]!;
        this.slots[hole] = this.slots[next];
        hole = next;
      }
    }
    ids[hole] = 0;
    this.slots[hole] = undefined;
    this.count--;
    return true;
  }

  /** A snapshot: the table may change while the caller walks it. */
  values(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] !== 0) out.push(this.slots[i]!);
    return out;
  }

  clear(): void {
    this.ids.fill(0);
    this.slots.fill(undefined);
    this.count = 0;
  }

  private grow(): void {
    const ids = this.ids;
    const slots = this.slots;
    this.ids = new Int32Array(ids.length * 2);
    this.slots = new Array<T | undefined>(ids.length * 2).fill(undefined);
    this.mask = this.ids.length - 1;
    this.count = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) this.set(ids[i]!, slots[i]!);
  }
}
