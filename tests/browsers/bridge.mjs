// Drives one browser for the Python tests (tests/test_player_browsers.py) with puppeteer-core:
// Debian's firefox-esr over WebDriver BiDi, no geckodriver. One JSON command a line on stdin,
// one JSON answer a line on stdout ({"ok": value} or {"error": message}).
//
//   {"op": "open", "url": "file:///...", "allow": "file:///dir/", "width": 960, "height": 800}
//       a fresh page; every request whose URL does not start with `allow` (default: the URL
//       itself) is aborted and recorded; console errors and page errors are recorded
//   {"op": "eval", "expr": "(...)(...)"}   evaluates an expression in the page (awaits promises)
//   {"op": "key", "key": "End"}            a key press (puppeteer's key names)
//   {"op": "move" | "click", "x": 10, "y": 20}   the mouse, in CSS px of the viewport
//   {"op": "screenshot", "path": "/tmp/x.png"}   the viewport, as PNG
//   {"op": "log"}  -> {"blocked": [...], "errors": [...]} since the last open
//   {"op": "ping"} -> 1 when the last opened page (not a popup) evaluates a script (an error
//       when its tab crashed); 1 before any page is open
//   {"op": "frame", "index": 0}   later evals go to the window's n-th child frame (null: the window)
//   {"op": "select", "index": 1, "timeout": 10000}   later commands go to the page's n-th
//       window (0: the page itself, 1: the first popup it opened), waiting for it to open
//   {"op": "quit"}
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const executablePath = process.argv[2] || "/usr/bin/firefox-esr";
const browser = await puppeteer.launch({ browser: "firefox", executablePath, headless: true });
let page = null;
let target = null;  // where eval runs: the page, or one of its frames
let pages = [];
let log = { blocked: [], errors: [] };

function watch(p, seen) {
  p.on("console", (m) => { if (m.type() === "error") seen.errors.push(m.text()); });
  p.on("pageerror", (e) => seen.errors.push(String(e)));
  p.on("popup", (q) => { if (q) { pages.push(q); watch(q, seen); } });
}

async function open({ url, allow, width, height }) {
  for (const p of pages) if (!p.isClosed()) await p.close();
  log = { blocked: [], errors: [] };
  const seen = log;
  page = await browser.newPage();
  pages = [page];
  await page.setViewport({ width: width || 960, height: height || 800 });
  watch(page, seen);
  target = page;
  await page.setRequestInterception(true);
  page.on("request", (r) => {
    const u = r.url();
    if (u === url || (allow && u.startsWith(allow)) || u.startsWith("data:")) r.continue();
    else { seen.blocked.push(u); r.abort(); }
  });
  await page.goto(url, { waitUntil: "load" });
  return browser.version ? await browser.version() : null;
}

const ops = {
  open,
  eval: ({ expr }) => target.evaluate(expr),
  frame: ({ index }) => {
    target = index === null ? page : page.mainFrame().childFrames()[index];
    if (!target) throw new Error(`no frame ${index}`);
    return null;
  },
  key: ({ key }) => page.keyboard.press(key),
  move: ({ x, y }) => page.mouse.move(x, y),
  click: ({ x, y }) => page.mouse.click(x, y),
  screenshot: ({ path }) => page.screenshot({ path }),
  log: () => log,
  ping: () => (pages[0] ? pages[0].evaluate("1") : 1),
  select: async ({ index, timeout }) => {
    const end = Date.now() + (timeout || 10000);
    while (pages.length <= index) {
      if (Date.now() > end) throw new Error(`no window ${index}: ${pages.length} open`);
      await new Promise((r) => setTimeout(r, 20));
    }
    page = target = pages[index];
    return page.url();
  },
};

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
out({ ok: await browser.version() });
for await (const line of createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line);
  if (cmd.op === "quit") break;
  try {
    const value = await ops[cmd.op](cmd);
    out({ ok: value === undefined ? null : value });
  } catch (err) {
    out({ error: String(err && err.stack ? err.stack : err) });
  }
}
await browser.close();
