/**
 * The shape of a benchmark module. `bench/run.ts` loads every `bench/*_bench.ts` file, in name
 * order, and expects it to export a {@linkcode BenchModule}'s fields at the top level.
 *
 * @module
 */

/** What a figure means and, optionally, the value it must reach. */
export interface FigureSpec {
  /** The unit printed next to the value, e.g. `"events/s"` or `"ratio"`. */
  readonly unit: string;
  /** The figure passes when it is at least this. */
  readonly atLeast?: number;
  /** The figure passes when it is at most this. */
  readonly atMost?: number;
}

/** A group of figures measured together. */
export interface BenchModule {
  /** The group name, used by `--only NAME`. */
  readonly name: string;
  /** Every figure `measure()` returns, in table order; names are unique across all groups. */
  readonly figures: Readonly<Record<string, FigureSpec>>;
  /** Measures the group; returns one number for each name in `figures`. */
  measure(): Promise<Record<string, number>>;
}
