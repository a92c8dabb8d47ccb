import assert from "node:assert/strict";
import { HtmlReportExporter } from "../../../rigs/exporters/html_report.ts";
import { memorySink } from "../../../rigs/exporters/text_sink.ts";
import { fixture } from "./_fixture.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium) {
  console.warn(`html_report_test: ${CHROMIUM} not found; the browser test is skipped`);
}

function report(limits = {}): { html: string; passed: boolean } {
  const { sink, text } = memorySink();
  const exporter = new HtmlReportExporter(sink, limits);
  const result = fixture().execute({ for: "20ms", observe: (world) => exporter.observe(world) });
  exporter.finish(result);
  return { html: text(), passed: result.passed };
}

Deno.test("renderHtmlReport() is one self-contained page: no external URL, script inlined", () => {
  const { html } = report();
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /\b(src|href)=["']?(https?:)?\/\//);
  assert.doesNotMatch(html, /<link\b|<script\b[^>]*\bsrc=/);
  assert.equal(html.match(/<\/script>/g)?.length, 2);
  const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1];
  const data = JSON.parse(json);
  assert.equal(data.result.scenario, "exporter fixture");
  assert.ok(data.slices.start.length > 0);
});

Deno.test({
  name: "HtmlReportExporter page renders in headless chromium: verdicts, timeline, plots, zoom",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { chromium } = await import("npm:playwright-core@1.65.1");
    const { html } = report();
    const dir = Deno.makeTempDirSync();
    const path = `${dir}/report.html`;
    Deno.writeTextFileSync(path, html);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(`console: ${message.text()}`);
      });
      page.on("request", (request) => {
        if (!request.url().startsWith("file:")) requests.push(request.url());
      });
      await page.goto(`file://${path}`);
      await page.waitForSelector("#timeline-canvas");
      await page.waitForFunction(`document.querySelector("#timeline-canvas")?.dataset.viewEnd`);
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [], "no network requests");
      const rows = await page.locator("#verdicts tr.fail").count();
      assert.equal(rows, 1, "the failing assertion is marked");
      const inked = await page.evaluate(`(() => {
        const canvas = document.querySelector("#timeline-canvas");
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let coloured = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          const r = pixels[i], g = pixels[i + 1], b = pixels[i + 2];
          if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
        }
        return coloured;
      })()`) as number;
      assert.ok(inked > 500, `${inked} coloured timeline pixels`);
      assert.ok(await page.locator("#responses svg circle.point").count() > 10);
      assert.ok(await page.locator(".shares rect.bar").count() >= 3);
      const RANGE = `(() => {
        const c = document.querySelector("#timeline-canvas");
        return [Number(c.dataset.viewStart), Number(c.dataset.viewEnd)];
      })()`;
      const range = async () => (await page.evaluate(RANGE)) as [number, number];
      const [s0, e0] = await range();
      assert.deepEqual([s0, e0], [0, 20_000_000]);
      await page.click("#zoom-in");
      const [s1, e1] = await range();
      assert.ok(e1 - s1 < e0 - s0, `button zoom: ${s1}..${e1}`);
      const box = (await page.locator("#timeline-canvas").boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
      await page.mouse.wheel(0, -300);
      await page.waitForFunction(`(() => {
        const [s, e] = ${RANGE};
        return e - s < ${e1 - s1};
      })()`);
      const [s2, e2] = await range();
      assert.ok(e2 - s2 < e1 - s1, `wheel zoom: ${s2}..${e2}`);
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 4 });
      await page.mouse.up();
      const [s3, e3] = await range();
      assert.ok(s3 > s2 && Math.abs((e3 - s3) - (e2 - s2)) < 2, `drag pans: ${s3}..${e3}`);
      assert.deepEqual(errors, []);
      const shot = Deno.env.get("REPORT_SCREENSHOT");
      if (shot !== undefined) {
        await page.click("#zoom-reset");
        await page.screenshot({ path: shot, fullPage: true });
      }
    } finally {
      await browser.close();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
