/*
 * page_wait.js - waiting for a condition in a socktrace HTML report,
 * for check_report.js and bench/html_render.js.
 *
 * Not page.waitForFunction: in playwright-core 1.49, once its first check
 * fails, its polling evaluates a string, which the report's CSP (no
 * 'unsafe-eval') refuses.  So on a loaded machine, where the first check
 * came before the page's next frame, the wait failed with an EvalError,
 * counted as the page's own error (microsoft/playwright#36986, fixed
 * upstream in August 2025).  Here each check is a page.evaluate of the
 * function itself, one per frame.
 */
'use strict';

/*
 * Until pred(arg) holds in page, checked at once and then after each of
 * the page's frames (or 50 ms, should frames stop), for ms at most:
 * true when it held, false when the time ran out.
 */
async function untilInPage(page, pred, arg, ms) {
	const end = Date.now() + ms;

	for (;;) {
		if (await page.evaluate(pred, arg))
			return true;
		if (Date.now() >= end)
			return false;
		await page.evaluate(() => new Promise((r) => {
			requestAnimationFrame(() => r());
			setTimeout(r, 50);
		}));
	}
}

module.exports = { untilInPage };
