/// <reference lib="dom" />
/** The report's stylesheet. */
export const STYLE = `
:root { --fg: #1d2430; --muted: #667085; --line: #d0d5dd; --ok: #067647; --bad: #b42318;
  --bg: #ffffff; --panel: #f8f9fb; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
body { margin: 0; color: var(--fg); background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: var(--muted); font-size: 13px; margin: 2px 0; }
.meta code { font-size: 12px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff;
  font-weight: 600; font-size: 13px; margin-right: 8px; }
.verdict.ok { background: var(--ok); } .verdict.bad { background: var(--bad); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
td.mark { width: 18px; font-weight: 700; }
tr.pass td.mark { color: var(--ok); } tr.fail td.mark { color: var(--bad); }
tr.fail td { background: #fef3f2; }
td a { color: inherit; }
.toolbar { display: flex; gap: 6px; align-items: center; margin: 6px 0; font-size: 13px; }
.toolbar button { font: inherit; padding: 2px 10px; border: 1px solid var(--line);
  background: var(--panel); border-radius: 4px; cursor: pointer; }
.toolbar .range { color: var(--muted); margin-left: 8px; font-variant-numeric: tabular-nums; }
.timeline { position: relative; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
.timeline canvas { display: block; width: 100%; cursor: grab; }
.timeline canvas.dragging { cursor: grabbing; }
.note { font-size: 12px; color: var(--muted); margin: 4px 0; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 12px; margin: 6px 0; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px;
  margin-right: 4px; background: var(--c); border-radius: 2px; vertical-align: -1px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px; }
figure { margin: 0; padding: 8px; background: var(--panel); border: 1px solid var(--line);
  border-radius: 4px; }
figcaption { font-size: 13px; font-weight: 600; margin-bottom: 4px; }
svg text { font-size: 10px; fill: var(--muted); }
#tooltip { position: fixed; pointer-events: none; background: #1d2430; color: #fff;
  font-size: 12px; padding: 4px 6px; border-radius: 3px; display: none; white-space: pre; }
`;
