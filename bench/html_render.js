#!/usr/bin/env node
/*
 * bench/html_render.js - how long a socktrace HTML report takes to show in
 * headless chromium: ROUNDS loads, each in a fresh page, from navigation
 * to the page's ready mark (data parsed, every chart drawn); prints one
 * "html: load N ready_ms=... script_ms=..." line per round.  playwright-core
 * comes from tests/browser/node_modules (tools/install-deps).
 *
 *   node bench/html_render.js CHROMIUM FILE.html ROUNDS
 */
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '..', 'tests', 'browser', 'node_modules', 'playwright-core'));
const { untilInPage } = require(path.join(__dirname, '..', 'tests', 'browser', 'page_wait.js'));

(async () => {
	const [exe, file, rounds] = process.argv.slice(2);
	const browser = await chromium.launch({ executablePath: exe, headless: true,
		args: ['--no-sandbox', '--disable-gpu'], timeout: 60000 });
	try {
		for (let i = 0; i < +rounds; i++) {
			const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
			const errors = [];
			page.on('pageerror', (e) => errors.push(String(e)));
			await page.goto('file://' + path.resolve(file), { timeout: 60000 });
			if (!await untilInPage(page, () => document.documentElement.dataset.ready === '1', null, 60000))
				throw new Error('the page never set its ready mark');
			const ds = await page.evaluate(() => Object.assign({}, document.documentElement.dataset));
			console.log('html: load ' + i + ' ready_ms=' + ds.readyAt + ' script_ms=' + ds.renderMs +
				(errors.length ? ' errors=' + errors.length : ''));
			await page.close();
		}
	} finally {
		await browser.close();
	}
})().catch((e) => { console.error('html_render.js: ' + e); process.exit(1); });
