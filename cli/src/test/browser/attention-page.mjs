// Drives an attention page in Debian's Chromium with playwright-core, as a learner would, and prints what it saw as
// JSON on stdout for the Java test to check (HtmlPageBrowserTest). Usage:
//   node attention-page.mjs PAGE.html '{"layer":1,"head":2,"query":13,"tokenLayer":1,"token":13,"screenshot":"a.png"}'
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(process.env.PLAYWRIGHT_DIR + '/');
const { chromium } = require('playwright-core');
const [page_, json] = process.argv.slice(2);
const plan = JSON.parse(json);
const out = { console: [], pageErrors: [] };

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (m) => out.console.push(m.type() + ': ' + m.text()));
  page.on('pageerror', (e) => out.pageErrors.push(String(e)));
  const start = Date.now();
  await page.goto(pathToFileURL(page_).href, { waitUntil: 'load', timeout: 120000 });
  await page.waitForSelector('body[data-ready]', { timeout: 120000 });
  out.loadMs = Date.now() - start;
  out.readyMs = Number(await page.getAttribute('body', 'data-ready'));
  out.heads = Number(await page.getAttribute('body', 'data-heads'));

  // Token view: choose the layer, click the query token, read the lines; then the average over heads.
  await page.selectOption('#layer', String(plan.tokenLayer));
  const t0 = Date.now();
  await page.click(`#tv text[data-side="q"][data-pos="${plan.token}"]`);
  out.lines = await page.$$eval('#tv line.att', (ls) => ls.map((l) => ({
    head: l.dataset.head, key: Number(l.dataset.key), weight: Number(l.dataset.weight) })));
  out.linesMs = Date.now() - t0;
  out.next = await page.$$eval('#nexttable tr', (rs) => rs.map((r) => r.cells[0].textContent + ' ' + r.cells[2].textContent));
  await page.check('#avg');
  out.avgLines = await page.$$eval('#tv line.att', (ls) => ls.map((l) => ({
    head: l.dataset.head, key: Number(l.dataset.key), weight: Number(l.dataset.weight) })));
  await page.uncheck('#avg');
  if (plan.tokenShot) await page.locator('#tvwrap').screenshot({ path: plan.tokenShot });

  // The grid: open a head, then click the query's row in the enlarged heatmap.
  await page.click(`.head[data-layer="${plan.layer}"][data-head="${plan.head}"]`);
  await page.waitForSelector('#overlay:not([hidden])');
  out.title = await page.textContent('#ftitle');
  const box = await page.locator('#fcanvas').boundingBox();
  const pad = Number(await page.getAttribute('#fcanvas', 'data-pad'));
  const px = Number(await page.getAttribute('#fcanvas', 'data-px'));
  const t1 = Date.now();
  await page.mouse.click(box.x + pad + px / 2, box.y + pad + (plan.query + 0.5) * px);
  await page.waitForSelector('#stepstable');
  out.stepsMs = Date.now() - t1;
  out.query = Number(await page.getAttribute('#stepstable', 'data-query'));
  out.formula = await page.textContent('#steps .formula');
  out.steps = await page.$$eval('#stepstable tr[data-key]', (rs) => rs.map((r) => ({
    key: Number(r.dataset.key), masked: r.classList.contains('masked'),
    raw: r.querySelector('.raw').textContent, scaled: r.querySelector('.scaled').textContent,
    mask: r.querySelector('.masked').textContent, w: r.querySelector('.w').textContent })));
  if (plan.screenshot) await page.screenshot({ path: plan.screenshot });
  out.errors = await page.textContent('#errors');
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
