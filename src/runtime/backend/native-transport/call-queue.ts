/**
 * Calls waiting for a connection with room, oldest first: an array walked from a head index,
 * not a Set. A Set that takes and drops an entry per call keeps replacing its hash table, and
 * the obsolete tables keep calls alive into old space (StreamTable says how); a backend at
 * its stream limit sends every call through here. A call that ends while it waits (cancel,
 * deadline) stays where it is and is skipped when the head reaches it.
 */
export class CallQueue<C extends { readonly isOver: boolean }> {
  private calls: C[] = [];
  private head = 0;

  push(call: C): void {
    this.calls.push(call);
  }

  /** The oldest call still waiting, left in place; undefined when none is. */
  peek(): C | undefined {
    const calls = this.calls;
    while (this.head < calls.length && calls[this.head]!.isOver) this.head++;
    this.compact();
    return calls[this.head];
  }

  /** Takes the call peek() returned. */
  shift(): void {
    this.head++;
    this.compact();
  }

  /** Every call still waiting, oldest first; the queue is empty afterwards. */
  takeAll(): C[] {
    const waiting = this.calls.slice(this.head).filter((call) => !call.isOver);
    this.calls = [];
    this.head = 0;
    return waiting;
  }

  private compact(): void {
    if (this.head === this.calls.length) {
      this.calls.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.calls.length) {
      // A long wait: drop the taken head so the array does not only grow.
      this.calls = this.calls.slice(this.head);
      this.head = 0;
    }
  }
}
