/**
 * The web UI in a real browser: Debian's Chromium driven by playwright-core against `peerdma serve`
 * (started in-process). Skipped, saying so, when /usr/bin/chromium is absent. Screenshots of every
 * view go to test-artifacts/browser/ (gitignored).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { x as extract } from 'tar';
import { fabricToSpec, loadSpec } from '../ingest/spec/index.js';
import { examplesDir } from '../node/examples.js';
import { loadSource } from '../node/load.js';
import { chooseRules } from '../p2pdma/kernel-release.js';
import { cellMapType, MT_CODES } from '../p2pdma/matrix.js';
import { MT_COLORS } from '../web/heat.js';
import { judge, short } from '../web/judge.js';
import { DEFAULT_STATE, encodeState } from '../web/state.js';
import { NO_EDITS } from '../web/whatif.js';
import { type RunningServer, startServer } from './serve.js';
import { CHROMIUM, ensureWebBuilt, launchChromium } from './testing/browser.js';
import { switchSpec, wideSpec } from './testing/machines.js';

const ARTIFACTS = 'test-artifacts/browser';
const ORACLE = '../shared/fixtures/kernel-oracle';
const skip = existsSync(CHROMIUM)
  ? false
  : `browser tests SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium)`;
if (skip) console.log(`# ${skip}`);

describe('web UI in Chromium', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let origin: string;
  const consoleErrors: string[] = [];
  const foreign: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const assetsDir = await ensureWebBuilt();
    const { fabric } = await loadSource('example:default');
    server = await startServer({
      machine: { label: 'example:default', spec: fabricToSpec(fabric), warnings: [] },
      assetsDir,
      port: 0,
    });
    origin = server.url.replace(/\/$/, '');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(hash: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'))
        foreign.push(u);
    });
    await page.goto(`${server.url}#${hash}`);
    await page.getByTestId('loaded').filter({ hasText: 'functions' }).waitFor();
    return page;
  }
  /** A page with a spec opened through the file input (as a user drops one). */
  async function openSpec(hash: string, name: string, spec: string): Promise<Page> {
    const page = await open(hash);
    await page.getByTestId('file-input').setInputFiles({
      name,
      mimeType: 'text/yaml',
      buffer: Buffer.from(spec),
    });
    await page.getByTestId('loaded').filter({ hasText: name }).waitFor();
    return page;
  }
  const shot = (page: Page, name: string, fullPage = true) =>
    page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
  /** The page re-renders after an input event; poll the text until it matches (or fail with it). */
  async function eventually(loc: Locator, re: RegExp, timeout = 10_000): Promise<string> {
    const end = Date.now() + timeout;
    for (;;) {
      const text = (await loc.textContent()) ?? '';
      if (re.test(text) || Date.now() > end) {
        assert.match(text, re);
        return text;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async function eventuallyCount(loc: Locator, n: number, timeout = 10_000): Promise<void> {
    const end = Date.now() + timeout;
    for (;;) {
      const count = await loc.count();
      if (count === n || Date.now() > end) return assert.equal(count, n);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('loads every bundled example and draws its matrix', async () => {
    const names = readdirSync(examplesDir())
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -5));
    assert.ok(names.length >= 5);
    const page = await open('src=server');
    for (const name of names) {
      await page.goto(`${server.url}#src=example:${name}&view=matrix`); // a hashchange
      const loaded = page.getByTestId('loaded');
      await loaded.filter({ hasText: `example:${name}:` }).waitFor();
      const n = (await loadSource(`example:${name}`)).fabric.size;
      assert.equal(await loaded.textContent(), `example:${name}: ${n} functions`);
      assert.match((await page.getByTestId('matrix-summary').textContent()) ?? '', /endpoints/);
      await shot(page, `matrix-${name}`, false);
    }
    await page.close();
  });

  it('clicking a cell shows the route, the reasons and the fix; ACS off flips the verdict', async () => {
    const page = await open('src=server&view=matrix');
    await page.locator('rect[data-pair="0000:19:00.0 0000:1b:00.0"]').click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor();
    assert.match((await verdict.textContent()) ?? '', /^THRU_HOST_BRIDGE, distance 4/);
    const path = (await page.getByTestId('path').textContent()) ?? '';
    for (const hop of ['accel0', 'sw0-dp0', 'sw0 (', 'sw0-dp2', 'nic0'])
      assert.ok(path.includes(hop), hop);
    const reasons = (await page.getByTestId('reasons').textContent()) ?? '';
    assert.match(reasons, /ACS redirect \(RR\|CR\|EC\) is set on 0000:18:00\.0, 0000:18:02\.0/);
    assert.match(
      reasons,
      /fix: add the kernel parameter: pci=disable_acs_redir=0000:18:00\.0;0000:18:02\.0/,
    );
    assert.match(
      (await page.getByTestId('kernel-log').textContent()) ?? '',
      /mlx5_core 0000:1b:00\.0: ACS redirect is set/,
    );
    await shot(page, 'route');

    // Turn ACS redirect off on both switch ports of the route, in the tree.
    await page.getByRole('tab', { name: 'Tree' }).click();
    for (const bdf of ['0000:18:00.0', '0000:18:02.0'])
      await page.locator(`li[data-bdf="${bdf}"] > .node input[type=checkbox]`).first().uncheck();
    await shot(page, 'tree');
    // Search keeps the matches and their ancestors only.
    await page.getByLabel(/^Search/).fill('mlx5_core');
    await eventuallyCount(page.locator('.fn b').filter({ hasText: /^nic\d$/ }), 4);
    await eventuallyCount(page.locator('.fn b').filter({ hasText: /^accel/ }), 0);
    await page.getByLabel(/^Search/).fill('');
    await page.getByRole('tab', { name: 'Pair route' }).click();
    await eventually(verdict, /^BUS_ADDR, distance 4/);
    await eventually(page.getByTestId('reasons'), /No findings/);
    assert.match(page.url(), /acs=0000%3A18%3A00\.0%7E0%2C0000%3A18%3A02\.0%7E0/);

    // The URL alone reproduces the view in a fresh page.
    const again = await open(new URL(page.url()).hash.slice(1));
    assert.match((await again.getByTestId('verdict').textContent()) ?? '', /^BUS_ADDR/);
    await again.close();

    // The edited machine downloads as a spec that loads back with ACS off on those ports.
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download edited machine (spec)' }).click(),
    ]);
    const text = readFileSync((await dl.path())!, 'utf8');
    const f = loadSpec({ name: 'dl.yaml', text }).fabric;
    const acs = f.require('0000:18:00.0').acs;
    assert.ok(acs.state === 'present' && (acs.ctrl & 0x2c) === 0);
    await page.close();
  });

  it('the bandwidth metric shows predicted P2P GB/s; the pair panel shows P2P and bounce', async () => {
    const page = await open('src=server&view=matrix');
    await page.getByLabel('Show').selectOption('bandwidth');
    // The heatmap redraws after the metric changes: wait for the bandwidth label, not the old one.
    const cell = page.locator('rect[data-pair="0000:19:00.0 0000:1b:00.0"][aria-label*="GB/s"]');
    await cell.waitFor();
    const label = (await cell.getAttribute('aria-label')) ?? '';
    assert.match(label, /^accel0 → nic0: .*, P2P (≥ )?(\d+\.\d\d)(–\d+\.\d\d)? GB\/s$/);
    const gbps = Number(/P2P (≥ )?(\d+\.\d\d)/.exec(label)![2]);
    // The figure as the cell says it, a lower bound marked `≥ ` as the pair panel marks it.
    const said = /P2P ((≥ )?[\d.–]+) GB/.exec(label)![1]!;
    assert.ok(gbps > 0, label);
    // The heatmap draws the same number in the cell, and the table alternative holds it too.
    const table = page.getByTestId('matrix-table');
    await table.locator('summary').click();
    const row = table
      .locator('tbody tr')
      .filter({ has: page.locator('th', { hasText: /^accel0$/ }) });
    assert.ok(((await row.textContent()) ?? '').includes(said));
    await shot(page, 'matrix-bandwidth');
    await cell.click();
    const p2p = page.getByTestId('bw-P2P');
    await p2p.waitFor();
    const p2pText = (await p2p.textContent()) ?? '';
    assert.match(p2pText, /^P2P(≥ )?\d+\.\d\d(–\d+\.\d\d)?root complex/);
    // The matrix and the pair's own solve agree on the range and on the floor.
    assert.equal(p2pText.startsWith('P2P≥ '), said.startsWith('≥ '), `${p2pText} vs ${said}`);
    assert.ok(p2pText.startsWith(`P2P${said}`), `${p2pText} vs ${said}`);
    assert.match((await page.getByTestId('bw-bounce').textContent()) ?? '', /^bounce\d+\.\d\d/);
    await page.close();
  });

  it('more than 64 endpoints: one canvas heatmap; a pixel names its pair, a click opens it, edits repaint it', async () => {
    // 2 host bridges × 2 root ports × 4 switch ports × an 8-function GPU = 128 endpoints.
    const shape = { hostBridges: 2, rootPorts: 2, downstreamPorts: 4, functions: 8 };
    const spec = wideSpec(shape, 'wide-128');
    const fabric = loadSpec({ name: 'wide.yaml', text: spec }).fabric;
    const base = judge(fabric, { rules: null, cmdline: '', edits: NO_EDITS });
    const devs = base.matrix.devices;
    assert.equal(devs.length, 128);
    const page = await openSpec('src=server&view=matrix', 'wide.yaml', spec);
    const canvas = page.getByTestId('heatmap-canvas');
    await canvas.waitFor();
    assert.equal(await page.locator('g[aria-label="cell"] rect').count(), 0);
    const attr = async (k: string) => Number(await canvas.getAttribute(`data-${k}`));
    assert.equal(await attr('n'), 128);
    const [cell, left, top] = [await attr('cell'), await attr('left'), await attr('top')];
    const centre = (r: number, c: number) => ({
      x: left + (c + 0.5) * cell,
      y: top + (r + 0.5) * cell,
    });
    // The legend is Plot's, with the map types.
    await eventually(page.locator('.heatcanvas .legend'), /BUS_ADDR.*THRU_HOST_BRIDGE/);
    /** The colour drawn at a cell's centre, as #rrggbb. */
    const pixel = (r: number, c: number) =>
      page.evaluate(`(() => {
        const el = document.querySelector('[data-testid=heatmap-canvas]');
        const k = el.width / el.clientWidth;
        const d = el.getContext('2d').getImageData(Math.floor(${centre(r, c).x} * k), Math.floor(${centre(r, c).y} * k), 1, 1).data;
        return '#' + [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('');
      })()`) as Promise<string>;
    const mt = (j: typeof base, r: number, c: number) => MT_CODES[cellMapType(j.matrix, r, c)]!;
    // A pair under two ports of one switch (P2P through it) and one across host bridges.
    const near: [number, number] = [3, 9];
    const far: [number, number] = [5, 100];
    assert.equal(mt(base, ...near), 'BUS_ADDR');
    assert.notEqual(mt(base, ...far), 'BUS_ADDR');
    for (const [r, c] of [near, far, [0, 0] as [number, number], [127, 126] as [number, number]])
      assert.equal(await pixel(r, c), MT_COLORS.get(mt(base, r, c)), `${r},${c}`);
    // Device labels are thinned to every k-th one (k > 1 at this size).
    assert.ok((await attr('label-step')) > 1);

    // Pointing names the pair; a click opens it exactly as a cell click does.
    await canvas.hover({ position: centre(...far) });
    await eventually(
      page.getByTestId('heat-hover'),
      new RegExp(
        `^${short(devs[far[0]]!)} → ${short(devs[far[1]]!)}: ${mt(base, ...far)}, distance`,
      ),
    );
    await canvas.click({ position: centre(...far) });
    const verdict = page.getByTestId('verdict');
    await eventually(verdict, new RegExp(`^${mt(base, ...far)}`));
    assert.match(
      page.url(),
      new RegExp(`pair=${encodeURIComponent(`${devs[far[0]]!.bdf},${devs[far[1]]!.bdf}`)}`),
    );
    await shot(page, 'route-from-canvas');

    // Back on the matrix the selection is boxed; the keyboard moves from it and Enter opens.
    await page.getByRole('tab', { name: 'P2P matrix' }).click();
    await page.getByTestId('heat-selected').waitFor();
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    const next: [number, number] = [far[0] + 1, far[1] + 1];
    await eventually(
      page.getByTestId('heat-hover'),
      new RegExp(`^${short(devs[next[0]]!)} → ${short(devs[next[1]]!)}: `),
    );
    await page.keyboard.press('Enter');
    await eventually(verdict, new RegExp(`^${mt(base, ...next)}`));
    assert.match(
      page.url(),
      new RegExp(`pair=${encodeURIComponent(`${devs[next[0]]!.bdf},${devs[next[1]]!.bdf}`)}`),
    );

    // A what-if edit re-judges and repaints: ACS redirect on the switch port above `near`'s provider.
    const port = fabric.upstreamChain(devs[near[0]]!).find((f) => f.kind === 'switch-downstream')!;
    const edits = { ...NO_EDITS, acs: { [port.bdf]: true } };
    const edited = judge(fabric, { rules: null, cmdline: '', edits });
    assert.notEqual(mt(edited, ...near), 'BUS_ADDR');
    const hash = encodeState({ ...DEFAULT_STATE, source: 'file:wide.yaml', view: 'matrix', edits });
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    const end = Date.now() + 10_000;
    while ((await pixel(...near)) !== MT_COLORS.get(mt(edited, ...near)) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(await pixel(...near), MT_COLORS.get(mt(edited, ...near)));
    assert.equal(await pixel(...far), MT_COLORS.get(mt(edited, ...far)));
    await shot(page, 'matrix-canvas');

    // The bandwidth metric draws too, and names a pair's figure as the pair panel does.
    await page.getByLabel('Show').selectOption('bandwidth');
    await eventually(page.locator('.heatcanvas .legend'), /P2P GB\/s/);
    await canvas.hover({ position: centre(...far) });
    await eventually(page.getByTestId('heat-hover'), /, P2P (≥ )?\d+\.\d\d(–\d+\.\d\d)? GB\/s$/);
    await page.close();
  });

  it('heatmap cells are reachable by keyboard; Enter opens the pair', async () => {
    const page = await open('src=server&view=matrix');
    const rects = page.locator('g[aria-label="cell"] rect');
    assert.equal(await page.locator('g[aria-label="cell"] rect[tabindex="0"]').count(), 1);
    const pairs = await rects.evaluateAll((els) => els.map((e) => e.getAttribute('data-pair')));
    const n = Math.round(Math.sqrt(pairs.length));
    assert.equal(n * n, pairs.length);
    await page.locator('g[aria-label="cell"] rect[tabindex="0"]').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate('document.activeElement.getAttribute("data-pair")');
    assert.equal(focused, pairs[n + 1]);
    assert.equal(await page.locator('g[aria-label="cell"] rect[tabindex="0"]').count(), 1);
    await page.keyboard.press('Enter');
    await page.getByTestId('verdict').waitFor();
    const [a, b] = String(focused).split(' ');
    assert.match(page.url(), new RegExp(`pair=${encodeURIComponent(`${a},${b}`)}`));
    await page.close();
  });

  it('the kernel slider and command line re-judge the pair', async () => {
    const page = await open('src=server&view=route&pair=0000:19:00.0,0000:1b:00.0');
    const verdict = page.getByTestId('verdict');
    assert.match((await verdict.textContent()) ?? '', /^THRU_HOST_BRIDGE/);
    // The example runs 6.8.0-45-generic: its rules, and the slider on the 6.8 stop.
    assert.equal(await page.getByTestId('rules').textContent(), 'linux-6.8');
    assert.match((await page.getByTestId('release').textContent()) ?? '', /^linux-6\.8\b/);
    const slider = page.getByRole('slider', { name: 'kernel rule set' });
    await slider.focus();
    await page.keyboard.press('Home');
    await eventually(page.getByTestId('rules'), /^linux-4\.20$/);
    await eventually(verdict, /^NOT_SUPPORTED/);
    await eventually(page.locator('.releases'), /flips here/);
    await shot(page, 'route-kernel-slider');
    await page.keyboard.press('End');
    const cmd = page.getByTestId('cmdline');
    await cmd.fill('pci=disable_acs_redir=0000:18:00.0;0000:18:02.0');
    await cmd.press('Enter');
    await eventually(verdict, /^BUS_ADDR/);
    await page.close();
  });

  it('map cost and the demo stepper render', async () => {
    const page = await open('src=server&view=cost&size=1TiB');
    await page.locator('.chart svg').first().waitFor();
    assert.equal((await page.locator('.chart svg[aria-label]').count()) >= 2, true);
    assert.match((await page.locator('caption').textContent()) ?? '', /At 1TiB/);
    await shot(page, 'cost');
    await page.getByRole('tab', { name: 'Demo' }).click();
    const step = page.getByTestId('demo-step');
    await step.waitFor();
    await page.getByRole('button', { name: /^map / }).click();
    await eventually(step, /map type(BUS_ADDR|THRU_HOST_BRIDGE)/);
    await shot(page, 'demo');
    await page.close();
  });

  it('dropped files are parsed in the page; a bad one shows the CLI error and keeps the machine', async () => {
    const page = await open('src=server');
    const snap = join(ORACLE, 'c-iommu', 'sysfs.tar.gz');
    if (existsSync(snap)) {
      await page.getByTestId('file-input').setInputFiles(snap);
      await page.getByTestId('loaded').filter({ hasText: 'sysfs.tar.gz' }).waitFor();
      await page.locator('li[data-bdf="0000:06:00.0"]').first().waitFor();
      const n = (await loadSource(snap)).fabric.size;
      assert.equal(await page.getByTestId('loaded').textContent(), `sysfs.tar.gz: ${n} functions`);
      // Judged, and labelled, with the rules the capture's own kernel picks (as the CLI does).
      const rules = chooseRules((await loadSource(snap)).fabric.machine).rules.name;
      assert.match(rules, /^linux-6\.1/);
      await eventually(page.getByTestId('rules'), new RegExp(`^${rules.replace(/\./g, '\\.')}$`));
      await shot(page, 'dropped-snapshot');
    }
    // A real drop event with lspci text.
    const lspci = join(ORACLE, 'c-iommu', 'lspci-tvnn.txt');
    if (existsSync(lspci)) {
      const text = readFileSync(lspci, 'utf8');
      // Runs in the page (a string: this file is type-checked without the DOM library).
      await page.evaluate(`(() => {
        const dt = new DataTransfer();
        dt.items.add(new File([${JSON.stringify(text)}], 'lspci-tvnn.txt', { type: 'text/plain' }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      })()`);
      await page.getByTestId('loaded').filter({ hasText: 'lspci-tvnn.txt' }).waitFor();
      await page.locator('li[data-bdf="0000:06:00.0"]').first().waitFor();
    }
    const before = await page.getByTestId('loaded').textContent();
    await page.getByTestId('file-input').setInputFiles({
      name: 'junk.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hello, not a machine\n'),
    });
    const err = page.getByTestId('error');
    await err.waitFor();
    assert.equal(
      await err.textContent(),
      'peerdma: junk.txt:1: not a sysfs capture, lspci output, hwloc XML or peerdma spec (use --format to force one) [E_FORMAT_UNKNOWN]',
    );
    assert.equal(await page.getByTestId('loaded').textContent(), before);
    await shot(page, 'drop-error');
    await page.close();
  });

  it('a capture folder opens as the same machine as its .tar.gz (Open folder…), saying what the folder lost', async () => {
    const snap = join(ORACLE, 'c-iommu', 'sysfs.tar.gz');
    if (!existsSync(snap)) return;
    const tmp = mkdtempSync(join(tmpdir(), 'peerdma-folder-'));
    try {
      // The capture unpacked on disk. A browser hands over files, never links; Playwright's own
      // walk of the folder (it reads the folder, not Chromium) trips on sysfs's symlink loops, so
      // the links are left out here, as a browser that skips them would hand the folder over.
      const dir = join(tmp, 'c-iommu');
      mkdirSync(dir);
      await extract({
        file: snap,
        cwd: dir,
        filter: (_p, e) => (e as { type?: string }).type !== 'SymbolicLink',
      });
      const full = (await loadSource(snap)).fabric;
      const page = await open('src=server');
      await page.getByTestId('folder-input').setInputFiles(dir);
      const loaded = page.getByTestId('loaded');
      await eventually(loaded, /^c-iommu\/: /);
      assert.equal(await loaded.textContent(), `c-iommu/: ${full.size} functions`);
      for (const f of full.functions)
        await page.locator(`li[data-bdf="${f.bdf}"]`).first().waitFor();
      // Drivers come back from uevent (the folder has no `driver` links).
      const drivers = full.functions.filter((f) => f.driver !== null);
      assert.ok(drivers.length > 0);
      for (const f of drivers)
        await eventually(
          page.locator(`li[data-bdf="${f.bdf}"] > .facts`).first(),
          new RegExp(`driver ${f.driver}`),
        );
      const notes = page.getByTestId('load-notes');
      await notes.locator('summary').click();
      await eventually(notes, /loses its symbolic links.*\.tar\.gz/);
      await shot(page, 'dropped-folder');
      // The route and verdicts work on the folder's machine: the matrix draws.
      await page.getByRole('tab', { name: 'P2P matrix' }).click();
      await eventually(page.getByTestId('matrix-summary'), /endpoints/);
      await page.close();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('what-if: a switch port without ACS gets one ("add ACS"), and the pair through it flips', async () => {
    const spec = switchSpec('');
    const fabric = loadSpec({ name: 'acs-add.yaml', text: spec }).fabric;
    const [dp] = fabric.functions.filter((f) => f.kind === 'switch-downstream');
    const [a, b] = fabric.functions.filter((f) => f.kind === 'endpoint').map((f) => f.bdf);
    const page = await openSpec('src=server', 'acs-add.yaml', spec);
    await page.goto(
      `${server.url}#${encodeState({ ...DEFAULT_STATE, source: 'file:acs-add.yaml', view: 'route', pair: [a!, b!] })}`,
    );
    const verdict = page.getByTestId('verdict');
    await eventually(verdict, /^BUS_ADDR/);
    await page.getByRole('tab', { name: 'Tree' }).click();
    const node = page.locator(`li[data-bdf="${dp!.bdf}"] > .node`).first();
    await node.getByRole('button', { name: 'add ACS' }).click();
    await eventually(page.getByTestId('edits'), /ACS capability added, ACS redirect on at/);
    // The port now has ACS: the checkbox replaces the button, checked.
    const box = node.locator('input[type=checkbox]');
    await box.waitFor();
    assert.equal(await box.isChecked(), true);
    await page.getByRole('tab', { name: 'Pair route' }).click();
    await eventually(verdict, /^THRU_HOST_BRIDGE/);
    await eventually(
      page.getByTestId('reasons'),
      new RegExp(`ACS redirect .* is set on ${dp!.bdf.replace(/\./g, '\\.')}`),
    );
    // Redirect off on the added capability: back to the switch route.
    await page.getByRole('tab', { name: 'Tree' }).click();
    await node.locator('input[type=checkbox]').uncheck();
    await eventually(page.getByTestId('edits'), /ACS capability added, ACS redirect off at/);
    await page.getByRole('tab', { name: 'Pair route' }).click();
    await eventually(verdict, /^BUS_ADDR/);
    await page.close();
  });

  it('made no request off loopback and logged no console error', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(consoleErrors, []);
  });
});
