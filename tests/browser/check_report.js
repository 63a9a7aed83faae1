#!/usr/bin/env node
/*
 * check_report.js - load one socktrace HTML report in headless chromium
 * (playwright-core, Debian's /usr/bin/chromium) and say, as one JSON
 * line on stdout, what a person would see: console errors, requests the
 * page tried, the canvases' sizes and inked pixels, what hovering a bar
 * showed, what clicking a finding selected, a wheel zoom, the render
 * time; a full-page screenshot is saved.  The TAP test (t0650) asserts on
 * that line.  Exits 2 when the browser cannot be driven at all.
 *
 *   node check_report.js --chromium PATH --html FILE --shot PNG [--timeout MS]
 */
'use strict';

function arg(name, dflt) {
	const i = process.argv.indexOf('--' + name);
	return i > 0 ? process.argv[i + 1] : dflt;
}

async function main() {
	const { chromium } = require('playwright-core');
	const { untilInPage } = require('./page_wait.js');
	const path = require('path');
	const timeout = +arg('timeout', '30000');
	const out = { console_errors: [], page_errors: [], requests: [] };
	const browser = await chromium.launch({
		executablePath: arg('chromium', '/usr/bin/chromium'),
		headless: true,
		/* No background traffic: on a closed network its failures are noise. */
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
		timeout
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
		page.setDefaultTimeout(timeout);
		page.on('console', (m) => {
			if (m.type() === 'error')
				out.console_errors.push(m.text() + ' (at ' + (m.location().url || '?') + ':' +
					m.location().lineNumber + ')');
		});
		page.on('pageerror', (e) => out.page_errors.push(String(e)));
		const url = 'file://' + path.resolve(arg('html'));
		page.on('request', (r) => { if (r.url() !== url) out.requests.push(r.url()); });
		await page.goto(url, { waitUntil: 'load' });
		if (!await untilInPage(page, () => document.documentElement.dataset.ready === '1', null, timeout))
			throw new Error('the page never set its ready mark');
		Object.assign(out, await page.evaluate(() => {
			const ds = document.documentElement.dataset, S = window.socktrace, D = S.data;
			function canvas(id) {
				const cv = document.getElementById(id), r = cv.getBoundingClientRect();
				const g = cv.getContext('2d'), px = g.getImageData(0, 0, cv.width, cv.height).data;
				let ink = 0;
				for (let i = 0; i < px.length; i += 4)
					if (px[i + 3] && (px[i] < 240 || px[i + 1] < 240 || px[i + 2] < 240)) ink++;
				return { w: r.width, h: r.height, ink: ink, data: Object.assign({}, cv.dataset) };
			}
			return {
				ready_at_ms: +ds.readyAt, render_ms: +ds.renderMs, phases: S.phases,
				nav: (function () {
					const n = performance.getEntriesByType('navigation')[0] || {};
					return { response_end: n.responseEnd, dom_interactive: n.domInteractive };
				})(), conns: D.conns.b.length,
				findings: D.findings.length, detail: D.detail.length,
				findings_rows: document.querySelectorAll('#findings tbody tr.linked').length,
				open: canvas('open'), rate: canvas('rate'), lanes: canvas('lanes'),
				legend: document.querySelectorAll('#legend li').length,
				notice: document.getElementById('notice').hidden ? null : document.getElementById('notice').textContent,
				level_at_history: S.levelAt(Math.max(0, Math.floor(S.xOf(D.history_from,
					document.getElementById('open').clientWidth)))),
				history_from: D.history_from
			};
		}));
		/* Hover the middle of a connection that has its block (its event line shows). */
		const target = await page.evaluate(() => {
			const S = window.socktrace, D = S.data, C = D.conns, cv = document.getElementById('lanes');
			const w = cv.clientWidth;
			for (let k = 0; k < D.detail.length; k++) {
				const ci = D.detail[k][0], b = C.b[ci], e = C.e[ci] >= 0 ? C.e[ci] : D.end;
				const x = (S.xOf(Math.max(b, 0), w) + S.xOf(e, w)) / 2, y = S.barY(ci) + 1;
				if (S.connAt(x, y, w) === ci)
					return { ci: ci, id: S.idOf(ci), x: x, y: y, exact: true };
			}
			/* Rows thinner than a pixel overlap: any bar under the pointer will do. */
			for (let ci = 0; ci < C.b.length; ci++) {
				const b = C.b[ci], e = C.e[ci] >= 0 ? C.e[ci] : D.end;
				const x = (S.xOf(Math.max(b, 0), w) + S.xOf(e, w)) / 2, y = S.barY(ci) + 0.5, got = S.connAt(x, y, w);
				if (got >= 0)
					return { ci: got, id: S.idOf(got), x: x, y: y, exact: false };
			}
			return null;
		});
		out.hover = null;
		if (target) {
			const box = await page.locator('#lanes').boundingBox();
			await page.evaluate((y) => window.scrollTo(0, y), 0);
			await page.locator('#lanes').scrollIntoViewIfNeeded();
			/* Where the page's own move event landed: the pointer's position is
			 * rounded on its way, and rows thinner than a pixel then hold another
			 * bar; the page must show the one under its own event. */
			await page.evaluate(() => document.getElementById('lanes').addEventListener('mousemove',
				(ev) => { window.__lastMove = { x: ev.offsetX, y: ev.offsetY }; }, true));
			await page.locator('#lanes').hover({ position: { x: target.x, y: target.y } });
			/* The page answers a move in its next frame: a loaded machine's may come late. */
			await untilInPage(page, () => !document.getElementById('tip').hidden, null, 10000);
			out.hover = await page.evaluate(() => {
				const t = document.getElementById('tip');
				return { visible: !t.hidden && t.offsetWidth > 0, text: t.textContent };
			});
			const under = await page.evaluate(() => {
				const S = window.socktrace, m = window.__lastMove;
				const ci = m ? S.connAt(m.x, m.y, document.getElementById('lanes').clientWidth) : -1;
				return ci >= 0 ? S.idOf(ci) : null;
			});
			out.hover.aimed = target.id;
			out.hover.id = under || target.id;
			await page.locator('#lanes').click({ position: { x: target.x, y: target.y } });
			await untilInPage(page, (id) => document.getElementById('detail').dataset.conn === id,
				out.hover.id, 10000);
			out.click_bar = await page.evaluate(() => document.getElementById('detail').dataset.conn || null);
			out.click_bar_want = out.hover.id;
			out.lanes_box = box;
		}
		/* Click the first finding that names a connection: the detail shows that connection. */
		const row = page.locator('#findings tbody tr.linked').first();
		out.finding = null;
		if (await row.count()) {
			const want = await row.getAttribute('data-id');
			await row.click();
			await untilInPage(page, (id) => document.getElementById('detail').dataset.conn === id,
				want, 10000);
			out.finding = await page.evaluate(() => ({
				conn: document.getElementById('detail').dataset.conn || null,
				text: document.getElementById('detail').textContent,
				selected: document.querySelectorAll('#findings tr.selected').length
			}));
			out.finding.want = want;
			out.finding.kind = await row.locator('td').nth(1).textContent();
		}
		/* A wheel zoom on the lanes narrows the view. */
		const before = await page.evaluate(() => window.socktrace.view.t1 - window.socktrace.view.t0);
		await page.locator('#open').hover({ position: { x: 200, y: 100 } });
		await page.mouse.wheel(0, -300);
		await untilInPage(page, (b) => window.socktrace.view.t1 - window.socktrace.view.t0 < b, before, timeout);
		out.zoomed = await page.evaluate((b) => (window.socktrace.view.t1 - window.socktrace.view.t0) / b, before);
		await page.evaluate(() => document.getElementById('zoom-reset').click());
		await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
		/* The whole page, up to 6000 px tall (a page of thousands of findings would be a huge image). */
		const height = await page.evaluate(() => document.documentElement.scrollHeight);
		await page.screenshot({ path: arg('shot'), fullPage: height <= 6000,
			clip: height <= 6000 ? undefined : { x: 0, y: 0, width: 1400, height: 6000 } });
		out.screenshot = arg('shot');
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
	process.stderr.write('check_report.js: ' + (e && e.stack ? e.stack : e) + '\n');
	process.exit(2);
});
