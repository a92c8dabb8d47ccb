/// <reference lib="dom" />
/**
 * The timeline: one row per core with vCPU run slices and one row of IRQ raises, drawn on a
 * canvas. Wheel or buttons zoom, dragging pans, double-click resets.
 */

import type { ReportData } from "../report_data.ts";
import { colour, el, formatNs, ticks } from "./format.ts";

const ROW = 26, AXIS = 22, LABEL = 70, MIN_SPAN = 100;

/** Mounts the timeline into a container and returns its root element. */
export function timeline(data: ReportData, tooltip: HTMLElement): HTMLElement {
  const total = Math.max(1, data.result.simulatedNs);
  const view = { start: 0, end: total };
  const canvas = el("canvas", { id: "timeline-canvas" });
  const range = el("span", { class: "range", id: "timeline-range" });
  const button = (label: string, id: string, action: () => void) => {
    const b = el("button", { id, type: "button" }, label);
    b.addEventListener("click", action);
    return b;
  };
  const zoomAt = (factor: number, at: number) => {
    const span = Math.min(total, Math.max(MIN_SPAN, (view.end - view.start) * factor));
    const ratio = (at - view.start) / (view.end - view.start);
    let start = at - span * ratio;
    start = Math.max(0, Math.min(total - span, start));
    view.start = start;
    view.end = start + span;
    draw();
  };
  const centre = () => (view.start + view.end) / 2;
  const toolbar = el(
    "div",
    { class: "toolbar" },
    button("+", "zoom-in", () => zoomAt(0.5, centre())),
    button("−", "zoom-out", () => zoomAt(2, centre())),
    button("reset", "zoom-reset", () => {
      view.start = 0;
      view.end = total;
      draw();
    }),
    range,
  );
  const box = el("div", { class: "timeline" }, canvas);
  const rows = data.cores + 1;
  const height = AXIS + rows * ROW + 4;

  const timeAt = (x: number) =>
    view.start + ((x - LABEL) / Math.max(1, canvas.clientWidth - LABEL)) * (view.end - view.start);

  function draw(): void {
    const width = Math.max(300, box.clientWidth || 900);
    const dpr = globalThis.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.height = `${height}px`;
    const g = canvas.getContext("2d")!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const plot = width - LABEL;
    const span = view.end - view.start;
    const x = (t: number) => LABEL + ((t - view.start) / span) * plot;
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "middle";
    // Axis and grid.
    g.fillStyle = "#667085";
    g.strokeStyle = "#eaecf0";
    for (const t of ticks(view.start, view.end, Math.max(2, Math.floor(plot / 110)))) {
      const px = x(t);
      g.beginPath();
      g.moveTo(px, AXIS - 4);
      g.lineTo(px, height);
      g.stroke();
      g.fillText(formatNs(t), px + 3, AXIS / 2);
    }
    for (let r = 0; r < rows; r++) {
      const y = AXIS + r * ROW;
      g.fillStyle = r % 2 === 0 ? "#f8f9fb" : "#ffffff";
      g.fillRect(LABEL, y, plot, ROW);
      g.fillStyle = "#1d2430";
      g.fillText(r < data.cores ? `core ${r}` : "IRQs", 6, y + ROW / 2);
    }
    // Slices: one pass, skipping those outside the view and merging sub-pixel runs.
    const s = data.slices;
    const lastPx = new Float64Array(data.cores).fill(-1);
    for (let i = 0; i < s.start.length; i++) {
      if (s.end[i] <= view.start || s.start[i] >= view.end) continue;
      const x0 = Math.max(LABEL, x(s.start[i]));
      const x1 = Math.min(width, x(s.end[i]));
      const core = s.core[i];
      if (x1 - x0 < 0.5 && x0 - lastPx[core] < 0.5) continue;
      lastPx[core] = x1;
      const y = AXIS + core * ROW + 3;
      g.fillStyle = colour(s.vcpu[i]);
      g.fillRect(x0, y, Math.max(0.75, x1 - x0), ROW - 6);
      if (x1 - x0 > 60) {
        g.fillStyle = "#fff";
        g.save();
        g.beginPath();
        g.rect(x0, y, x1 - x0, ROW - 6);
        g.clip();
        g.fillText(data.vcpus[s.vcpu[i]] ?? "?", x0 + 4, y + (ROW - 6) / 2);
        g.restore();
      }
    }
    // IRQ marks.
    const irqY = AXIS + data.cores * ROW;
    for (let i = 0; i < data.irqs.time.length; i++) {
      const t = data.irqs.time[i];
      if (t < view.start || t > view.end) continue;
      const px = x(t);
      g.fillStyle = colour(100 + data.irqs.line[i]);
      g.beginPath();
      g.moveTo(px, irqY + 5);
      g.lineTo(px - 4, irqY + ROW - 5);
      g.lineTo(px + 4, irqY + ROW - 5);
      g.fill();
    }
    // Failed assertions at their worst sample's time.
    g.strokeStyle = "#b42318";
    g.lineWidth = 1.5;
    for (const a of data.result.assertions) {
      if (a.passed || a.at < view.start || a.at > view.end) continue;
      const px = x(a.at);
      g.beginPath();
      g.moveTo(px, AXIS);
      g.lineTo(px, height);
      g.stroke();
    }
    g.lineWidth = 1;
    range.textContent = `visible ${formatNs(view.start)} – ${formatNs(view.end)} (${
      formatNs(view.end - view.start)
    })`;
    canvas.dataset.viewStart = String(Math.round(view.start));
    canvas.dataset.viewEnd = String(Math.round(view.end));
  }

  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const rect = canvas.getBoundingClientRect();
    const at = Math.max(view.start, Math.min(view.end, timeAt(event.clientX - rect.left)));
    zoomAt(event.deltaY < 0 ? 0.8 : 1.25, at);
  }, { passive: false });
  let drag: { x: number; start: number; end: number } | undefined;
  canvas.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, start: view.start, end: view.end };
    canvas.setPointerCapture(event.pointerId);
    canvas.classList.add("dragging");
  });
  canvas.addEventListener("pointermove", (event) => {
    const rect = canvas.getBoundingClientRect();
    if (drag !== undefined) {
      const span = drag.end - drag.start;
      const dt = ((event.clientX - drag.x) / Math.max(1, rect.width - LABEL)) * span;
      const start = Math.max(0, Math.min(total - span, drag.start - dt));
      view.start = start;
      view.end = start + span;
      draw();
      return;
    }
    hover(event, rect);
  });
  const endDrag = () => {
    drag = undefined;
    canvas.classList.remove("dragging");
  };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener("pointerleave", () => (tooltip.style.display = "none"));
  canvas.addEventListener("dblclick", () => {
    view.start = 0;
    view.end = total;
    draw();
  });

  function hover(event: PointerEvent, rect: DOMRect): void {
    const px = event.clientX - rect.left, py = event.clientY - rect.top;
    const row = Math.floor((py - AXIS) / ROW);
    const t = timeAt(px);
    let text = "";
    if (px >= LABEL && row >= 0 && row < data.cores) {
      const s = data.slices;
      for (let i = 0; i < s.start.length; i++) {
        if (s.core[i] === row && s.start[i] <= t && t < s.end[i]) {
          text = `${data.vcpus[s.vcpu[i]]} on core ${row}\n${formatNs(s.start[i])} + ${
            formatNs(s.end[i] - s.start[i])
          }`;
          break;
        }
      }
    }
    tooltip.style.display = text === "" ? "none" : "block";
    tooltip.textContent = text;
    tooltip.style.left = `${event.clientX + 12}px`;
    tooltip.style.top = `${event.clientY + 12}px`;
  }

  globalThis.addEventListener("resize", () => draw());
  document.addEventListener("report:focus", (event) => {
    const at = (event as CustomEvent<number>).detail;
    const span = Math.max(MIN_SPAN, Math.min(total, total / 100));
    view.start = Math.max(0, Math.min(total - span, at - span / 2));
    view.end = view.start + span;
    draw();
  });
  const legend = el(
    "div",
    { class: "legend" },
    ...data.vcpus.map((name, i) => el("span", { style: `--c: ${colour(i)}` }, name)),
    ...data.irqs.names.map((name, i) =>
      el("span", { style: `--c: ${colour(100 + i)}` }, `irq ${name}`)
    ),
  );
  const root = el("section", { id: "timeline" }, toolbar, box, legend);
  requestAnimationFrame(() => draw());
  draw();
  return root;
}
