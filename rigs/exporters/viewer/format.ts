/// <reference lib="dom" />
/** Formats nanoseconds with a readable unit, e.g. 4_615_000 → "4.615ms". */
export function formatNs(ns: number): string {
  const abs = Math.abs(ns);
  const units: [string, number][] = [["s", 1e9], ["ms", 1e6], ["us", 1e3]];
  for (const [unit, size] of units) {
    if (abs >= size) return `${Number((ns / size).toPrecision(6))}${unit}`;
  }
  return `${Number(ns.toPrecision(6))}ns`;
}

/** A distinct colour for index i. */
export function colour(i: number): string {
  const hue = (i * 137.508) % 360;
  return `hsl(${hue.toFixed(1)} 62% 52%)`;
}

/** Creates an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

/** Creates an SVG element with attributes. */
export function svg(tag: string, attrs: Record<string, string | number> = {}): SVGElement {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** "Nice" tick steps covering [lo, hi] with about n ticks. */
export function ticks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(t);
  return out;
}
