/// <reference lib="dom" />
/** SVG charts: latency histograms, response-time plots and CPU shares. */

import type { Bin } from "../report_data.ts";
import { colour, el, formatNs, svg, ticks } from "./format.ts";

const W = 360, H = 180, L = 46, B = 30, T = 8, R = 10;

function frame(caption: string, cls: string): { figure: HTMLElement; root: SVGElement } {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", class: cls });
  const figure = el("figure", {}, el("figcaption", {}, caption));
  figure.append(root);
  return { figure, root };
}

function axes(
  root: SVGElement,
  yTicks: number[],
  y: (v: number) => number,
  label: (v: number) => string,
) {
  root.append(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#98a2b3" }));
  root.append(svg("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#98a2b3" }));
  for (const v of yTicks) {
    const py = y(v);
    root.append(svg("line", { x1: L, y1: py, x2: W - R, y2: py, stroke: "#eaecf0" }));
    const text = svg("text", { x: L - 4, y: py + 3, "text-anchor": "end" });
    text.textContent = label(v);
    root.append(text);
  }
}

/** A latency histogram (log-spaced bins) for one IRQ line. */
export function histogram(
  name: string,
  count: number,
  max: number,
  bins: readonly Bin[],
  index: number,
): HTMLElement {
  const { figure, root } = frame(
    `IRQ latency: ${name} (${count} samples, max ${formatNs(max)})`,
    "histogram",
  );
  if (bins.length === 0) return figure;
  const top = Math.max(...bins.map((b) => b.count));
  const y = (v: number) => H - B - (v / top) * (H - B - T);
  axes(root, ticks(0, top, 4), y, (v) => String(v));
  const lo = Math.log2(Math.max(1, bins[0].lo)), hi = Math.log2(bins[bins.length - 1].hi);
  const x = (ns: number) =>
    L + ((Math.log2(Math.max(1, ns)) - lo) / Math.max(1e-9, hi - lo)) * (W - L - R);
  for (const b of bins) {
    const x0 = x(Math.max(1, b.lo)), x1 = x(b.hi);
    const rect = svg("rect", {
      x: x0,
      y: y(b.count),
      width: Math.max(1, x1 - x0 - 1),
      height: H - B - y(b.count),
      fill: colour(100 + index),
      class: "bar",
    });
    const tip = svg("title");
    tip.textContent = `${formatNs(b.lo)}–${formatNs(b.hi)}: ${b.count}`;
    rect.append(tip);
    root.append(rect);
  }
  const edges = [bins[0].lo, Math.sqrt(Math.max(1, bins[0].lo) * bins[bins.length - 1].hi)];
  edges.push(bins[bins.length - 1].hi);
  for (const [i, ns] of edges.entries()) {
    const anchor = ["start", "middle", "end"][i];
    const text = svg("text", { x: x(ns), y: H - B + 14, "text-anchor": anchor });
    text.textContent = formatNs(Math.round(ns));
    root.append(text);
  }
  return figure;
}

/** A response-time scatter plot for one task, with its deadline. */
export function responsePlot(
  title: string,
  points: readonly [number, number][],
  deadlineNs: number,
  endNs: number,
  index: number,
): HTMLElement {
  const { figure, root } = frame(title, "response");
  const top =
    Math.max(1, ...points.map((p) => p[1]), deadlineNs > 0 && deadlineNs < 1e15 ? deadlineNs : 0) *
    1.08;
  const y = (v: number) => H - B - (v / top) * (H - B - T);
  const x = (t: number) => L + (t / Math.max(1, endNs)) * (W - L - R);
  axes(root, ticks(0, top, 4), y, formatNs);
  for (const t of ticks(0, endNs, 4)) {
    const text = svg("text", { x: x(t), y: H - B + 14, "text-anchor": "middle" });
    text.textContent = formatNs(t);
    root.append(text);
  }
  if (deadlineNs > 0 && deadlineNs <= top) {
    root.append(svg("line", {
      x1: L,
      x2: W - R,
      y1: y(deadlineNs),
      y2: y(deadlineNs),
      stroke: "#b42318",
      "stroke-dasharray": "4 3",
      class: "deadline",
    }));
  }
  const path = points.map((p, i) =>
    `${i === 0 ? "M" : "L"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`
  ).join("");
  if (points.length > 1) {
    root.append(
      svg("path", { d: path, fill: "none", stroke: colour(index), "stroke-opacity": 0.35 }),
    );
  }
  for (const p of points.length > 1500 ? [] : points) {
    root.append(
      svg("circle", { cx: x(p[0]), cy: y(p[1]), r: 2, fill: colour(index), class: "point" }),
    );
  }
  return figure;
}

/** CPU share per cell (and the kernel) as horizontal bars. */
export function sharesChart(
  shares: Readonly<Record<string, number>>,
  kernel: number,
  vcpus: readonly string[],
): HTMLElement {
  const entries = [...Object.entries(shares), ["kernel", kernel] as [string, number]];
  const height = 20 + entries.length * 22;
  const root = svg("svg", { viewBox: `0 0 ${W * 2} ${height}`, width: "100%", class: "shares" });
  entries.forEach(([name, share], i) => {
    const y = 8 + i * 22;
    const label = svg("text", { x: 110, y: y + 12, "text-anchor": "end" });
    label.textContent = name;
    root.append(label);
    root.append(
      svg("rect", {
        x: 116,
        y,
        width: (W * 2 - 200) * share,
        height: 16,
        fill: name === "kernel" && i === entries.length - 1
          ? "#98a2b3"
          : colour(Math.max(0, vcpus.findIndex((v) => v.startsWith(`${name}.`)))),
        class: "bar",
      }),
    );
    const value = svg("text", { x: 120 + (W * 2 - 200) * share, y: y + 12 });
    value.textContent = `${(share * 100).toFixed(2)}%`;
    root.append(value);
  });
  return el(
    "figure",
    {},
    el("figcaption", {}, "CPU share (of all cores, whole run)"),
    root as unknown as Node,
  );
}
