/**
 * CPU time per cell in fixed buckets of virtual time within a window, for CPU-share counters.
 * Memory is one small array per bucket that saw work (about 1000 buckets per window).
 */
export class ShareBuckets {
  readonly #from: number;
  readonly #to: number;
  readonly #size: number;
  readonly #buckets = new Map<number, number[]>();

  /** Buckets of `size` ns covering [from, to]. */
  constructor(from: number, to: number, size: number) {
    this.#from = from;
    this.#to = to;
    this.#size = size;
  }

  /** Adds the part of [start, end) inside the window to a cell's buckets. */
  add(cell: number, start: number, end: number): void {
    const from = Math.max(start, this.#from), to = Math.min(end, this.#to);
    if (to <= from) return;
    const size = this.#size;
    for (let b = Math.floor(from / size); b * size < to; b++) {
      const overlap = Math.min(to, (b + 1) * size) - Math.max(from, b * size);
      let shares = this.#buckets.get(b);
      if (shares === undefined) this.#buckets.set(b, shares = []);
      shares[cell] = (shares[cell] ?? 0) + overlap;
    }
  }

  /** Each bucket in time order: its start, its length in the window and ns per cell. */
  *entries(): Generator<{ start: number; span: number; ns: readonly number[] }> {
    for (const b of [...this.#buckets.keys()].sort((x, y) => x - y)) {
      const start = Math.max(this.#from, b * this.#size);
      const span = Math.min(this.#to, (b + 1) * this.#size) - start;
      if (span > 0) yield { start, span, ns: this.#buckets.get(b)! };
    }
  }
}
