/**
 * Walking a byte range of sparse paged storage one page at a time. Shared by physical memory
 * (4 KiB RAM pages) and the flash controller (flash pages). A walk is a reusable cursor, not
 * a callback or an iterator, so the memory hot path allocates nothing per access.
 */

/**
 * A cursor over the spans of a byte range that fall in successive pages. After each `next()`
 * that returns `true`, `index`, `start`, `count` and `done` describe the current span. One
 * walk serves one range at a time: start another only when the current one is finished or
 * abandoned.
 */
export class PageWalk {
  /** The index of the page the current span is in. */
  index = 0;
  /** The first byte of the span, relative to its page. */
  start = 0;
  /** The number of bytes in the span. */
  count = 0;
  /** The bytes of the range before the span. */
  done = 0;
  readonly #pageBytes: number;
  #offset = 0;
  #length = 0;

  /** Creates a walk over pages of `pageBytes` bytes. */
  constructor(pageBytes: number) {
    this.#pageBytes = pageBytes;
  }

  /** Starts a walk over `length` bytes from `offset`, and returns this walk. */
  over(offset: number, length: number): this {
    this.#offset = offset;
    this.#length = length;
    this.done = 0;
    this.count = 0;
    return this;
  }

  /** Moves to the next span; `false` when the range is covered. */
  next(): boolean {
    const done = this.done + this.count;
    this.done = done;
    if (done >= this.#length) return false;
    const pageBytes = this.#pageBytes;
    const at = this.#offset + done;
    const index = Math.floor(at / pageBytes);
    const start = at - index * pageBytes;
    this.index = index;
    this.start = start;
    this.count = Math.min(pageBytes - start, this.#length - done);
    return true;
  }
}
