/*
 * report.js - socktrace's HTML report: draws the data the viewer embedded
 * (the <script id="st-data"> JSON, see viewer/html_data.c) on canvases.
 *
 * Hand-written canvas code rather than a charting library: the page must
 * stay one small self-contained file, and 100,000 bars are cheap as
 * fillRect calls but not as SVG elements.  What cannot be seen at once is
 * aggregated per pixel column: the open-sockets chart shows, per column,
 * the most sockets open in it for each call site; the rate chart counts
 * per bin; bars narrower than a pixel are drawn one pixel wide, rows
 * thinner than a pixel overlap (zoom in to tell them apart).
 */
(function () {
	'use strict';

	var t_start = performance.now(), phases = {};
	function phase(name) { phases[name] = +(performance.now() - t_start).toFixed(1); }
	var D = JSON.parse(document.getElementById('st-data').textContent);
	var C = D.conns, N = C.b.length;
	/* A connection's id, PID:SERIAL (the viewer sends it in parts: see ids_json). */
	function idOf(ci) { return C.idp[C.iq[ci]] + C['in'][ci]; }
	phase('parsed');
	var END = Math.max(D.end, 1);

	/* Lookups: a connection by its id (PID:SERIAL, as findings name it), its block, its findings. */
	var detailOf = {};
	for (var di = 0; di < D.detail.length; di++) detailOf[D.detail[di][0]] = D.detail[di];
	/*
	 * A finding's connection: the one whose id (PID:SERIAL) it names; the
	 * viewer gives its index too (ci), checked against the id, so no map of
	 * 100,000 ids is built.
	 */
	var connById = {
		get: function (id) {
			for (var f = 0; f < D.findings.length; f++)
				if (D.findings[f].id === id && D.findings[f].ci >= 0 && idOf(D.findings[f].ci) === id)
					return D.findings[f].ci;
			return undefined;
		},
		has: function (id) { return this.get(id) !== undefined; }
	};
	function findingConn(F) {
		return F.id !== null && F.ci >= 0 && idOf(F.ci) === F.id ? F.ci : undefined;
	}
	var findingsOf = {};
	for (var fi = 0; fi < D.findings.length; fi++)
		if (D.findings[fi].id)
			(findingsOf[D.findings[fi].id] = findingsOf[D.findings[fi].id] || []).push(fi);

	var ENDINGS = [
		{ name: 'we sent FIN first', color: '#2b7bba' },
		{ name: 'the peer sent FIN first', color: '#3a9d48' },
		{ name: 'reset (RST)', color: '#e6550d' },
		{ name: 'still open (process running, or held outside the trace)', color: '#8e7cc3' },
		{ name: 'open at exit (leaked)', color: '#c8102e' },
		{ name: 'listener, datagram, never connected', color: '#9a9a9a' }
	];
	var MARKS = [
		{ name: 'shutdown()', color: '#111111' },
		{ name: "the peer's EOF (a read returned 0)", color: '#0b6e1c' },
		{ name: 'close that left other references', color: '#d9a400' },
		{ name: 'a finding', color: '#c8102e' }
	];
	var LINKS = ['fork', 'exec', 'SCM_RIGHTS hand-off'];
	var ROLES = ['unconnected', 'client', 'server', 'listener', 'pair', 'unknown'];
	var SITE_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948',
		'#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

	/* ------------------------------------------------------------ helpers */

	function el(id) { return document.getElementById(id); }

	function secs(t) {	/* a moment (us since the first event) as the text report shows it */
		return (t < 0 ? '-' : '+') + (Math.abs(t) / 1e6).toFixed(6);
	}

	function dur(us) {	/* a duration (us) as the text report shows it */
		return (us / 1e6).toFixed(6) + ' s';
	}

	function slotOf(rank) { return rank < D.named ? rank : D.named; }

	function siteName(slot) {
		if (slot < D.named)
			return D.sites[slot].label;
		return (D.sites.length - D.named) + ' other call sites';
	}

	function nslots() { return D.named + (D.sites.length > D.named ? 1 : 0); }

	/* Last index i in sorted arr (by key(i)) with key <= v; -1 if none. */
	function lastAtOrBefore(n, key, v) {
		var lo = 0, hi = n;
		while (lo < hi) {
			var mid = (lo + hi) >> 1;
			if (key(mid) <= v) lo = mid + 1; else hi = mid;
		}
		return lo - 1;
	}

	/* ------------------------------------------------------------ the view */

	var view = { t0: 0, t1: END };

	function setView(t0, t1) {
		var span = Math.max(t1 - t0, 20);	/* no closer than 20 us across: the times are in us */
		if (span > END * 1.05) span = END * 1.05;
		if (t0 < -END * 0.025) t0 = -END * 0.025;
		if (t0 + span > END * 1.025) t0 = END * 1.025 - span;
		view.t0 = t0;
		view.t1 = t0 + span;
		schedule();
	}

	function xOf(t, w) { return (t - view.t0) / (view.t1 - view.t0) * w; }
	function tOf(x, w) { return view.t0 + x / w * (view.t1 - view.t0); }

	var pending = false;
	function schedule() {
		if (pending) return;
		pending = true;
		requestAnimationFrame(function () { pending = false; drawAll(); });
	}

	/* A canvas sized to its box (device pixels); returns its 2D context in CSS pixels. */
	function fit(cv, h) {
		var dpr = window.devicePixelRatio || 1, w = cv.parentNode.clientWidth || 800;
		cv.style.width = w + 'px';
		cv.style.height = h + 'px';
		if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
			cv.width = Math.round(w * dpr);
			cv.height = Math.round(h * dpr);
		}
		var g = cv.getContext('2d');
		g.setTransform(dpr, 0, 0, dpr, 0, 0);
		g.clearRect(0, 0, w, h);
		return { g: g, w: w, h: h };
	}

	/* --------------------------------------------- open sockets: the steps */

	/*
	 * Every birth and release as one sorted Float64Array of t*16 + slot
	 * (slots < 16), births and releases apart: a native numeric sort, no
	 * comparator, for 200,000 steps.  A birth before the first event (the
	 * state's word) counts from 0: the starting level.
	 */
	var births, ends;
	(function () {
		var ne = 0;
		births = new Float64Array(N);
		for (var i = 0; i < N; i++) {
			births[i] = Math.max(C.b[i], 0) * 16 + slotOf(C.s[i]);
			if (C.e[i] >= 0) ne++;
		}
		ends = new Float64Array(ne);
		for (var i2 = 0, k = 0; i2 < N; i2++)
			if (C.e[i2] >= 0)
				ends[k++] = Math.max(C.e[i2], 0) * 16 + slotOf(C.s[i2]);
		births.sort();
		ends.sort();
	})();
	phase('steps');

	function stepT(v) { return Math.floor(v / 16); }
	function stepS(v) { return v - Math.floor(v / 16) * 16; }

	/*
	 * Walk the steps from the start and, for columns of width dt from view.t0,
	 * the most open per slot in each column (cols x slots), the level at each
	 * column's end (exact, for the hover) and the births and releases in it.
	 */
	function openColumns(ncol) {
		var S = nslots(), dt = (view.t1 - view.t0) / ncol;
		var peak = new Float64Array(ncol * S), at = new Float64Array(ncol * S);
		var made = new Float64Array(ncol), gone = new Float64Array(ncol);
		var lvl = new Float64Array(S), ib = 0, ie = 0, col = 0, s;
		function next() {	/* column col is done: its end level, and the next one starts there */
			for (s = 0; s < S; s++) at[col * S + s] = lvl[s];
			if (++col < ncol)
				for (s = 0; s < S; s++) peak[col * S + s] = lvl[s];
		}
		var started = false;
		while (ib < births.length || ie < ends.length) {
			/* A release before a birth at the same moment, as the peaks in html_sites.c count. */
			var isBirth = ie >= ends.length || (ib < births.length && stepT(births[ib]) < stepT(ends[ie]));
			var v = isBirth ? births[ib] : ends[ie], t = stepT(v);
			if (t >= view.t0 && !started) {
				for (s = 0; s < S; s++) peak[s] = lvl[s];
				started = true;
			}
			if (t >= view.t0) {
				var c = Math.floor((t - view.t0) / dt);
				if (c >= ncol) break;
				while (col < c) next();
			}
			if (isBirth) ib++; else ie++;
			s = stepS(v);
			lvl[s] += isBirth ? 1 : -1;
			if (t >= view.t0) {
				if (lvl[s] > peak[col * S + s]) peak[col * S + s] = lvl[s];
				if (isBirth) made[col]++; else gone[col]++;
			}
		}
		if (!started)
			for (s = 0; s < S; s++) peak[s] = lvl[s];
		while (col < ncol) next();
		return { S: S, dt: dt, peak: peak, at: at, made: made, gone: gone };
	}

	var cols = null;

	function drawOpen() {
		var f = fit(el('open'), 220), g = f.g, w = f.w, h = f.h - 18;
		var ncol = Math.max(1, Math.floor(w)), o = openColumns(ncol), S = o.S, ymax = 1;
		cols = o;
		for (var c = 0; c < ncol; c++) {
			var sum = 0;
			for (var s = 0; s < S; s++) sum += o.peak[c * S + s];
			if (sum > ymax) ymax = sum;
		}
		for (var c2 = 0; c2 < ncol; c2++) {
			var y = h;
			for (var s2 = 0; s2 < S; s2++) {
				var v = o.peak[c2 * S + s2];
				if (!v) continue;
				var hh = v / ymax * (h - 10);
				g.fillStyle = SITE_COLORS[s2 % SITE_COLORS.length];
				g.fillRect(c2, y - hh, 1, hh);
				y -= hh;
			}
		}
		shadeLost(g, w, f.h);
		axis(g, w, h, ymax, 'open sockets');
		el('open').dataset.columns = ncol;
		el('open').dataset.max = ymax;
	}

	/* History lost before D.history_from: counts there miss sockets made and closed in it. */
	function shadeLost(g, w, h) {
		if (D.history_from <= 0) return;
		var x = Math.min(xOf(D.history_from, w), w);
		if (x <= 0) return;
		g.fillStyle = 'rgba(200,120,0,0.12)';
		g.fillRect(0, 0, x, h);
		g.fillStyle = '#8a5a00';
		g.font = '11px sans-serif';
		g.fillText('history lost before ' + secs(D.history_from), 4, 24);
	}

	function axis(g, w, h, ymax, what) {
		g.fillStyle = '#333';
		g.font = '11px sans-serif';
		g.fillText(ymax + ' ' + what, 4, 11);
		g.strokeStyle = '#999';
		g.beginPath();
		g.moveTo(0, h + 0.5);
		g.lineTo(w, h + 0.5);
		g.stroke();
		var ticks = 6;
		for (var i = 0; i <= ticks; i++) {
			var x = i / ticks * w, t = tOf(x, w);
			g.fillText(secs(t), Math.min(Math.max(x - 30, 0), w - 70), h + 13);
		}
	}

	function drawRate() {
		var f = fit(el('rate'), 90), g = f.g, w = f.w, mid = 40;
		if (!cols) return;
		var bin = 4, nb = Math.ceil(cols.made.length / bin), mk = new Float64Array(nb), gn = new Float64Array(nb);
		for (var c = 0; c < cols.made.length; c++) {
			mk[Math.floor(c / bin)] += cols.made[c];
			gn[Math.floor(c / bin)] += cols.gone[c];
		}
		var secsPerBin = cols.dt * bin / 1e6, ymax = 1;
		for (var i = 0; i < nb; i++) ymax = Math.max(ymax, mk[i], gn[i]);
		for (var j = 0; j < nb; j++) {
			var up = mk[j] / ymax * (mid - 12), dn = gn[j] / ymax * (mid - 12);
			g.fillStyle = '#3a9d48';
			g.fillRect(j * bin, mid - up, bin - 1, up);
			g.fillStyle = '#777';
			g.fillRect(j * bin, mid, bin - 1, dn);
		}
		g.fillStyle = '#333';
		g.font = '11px sans-serif';
		g.fillText('made per second (up, green) and closed per second (down): peak ' +
			(ymax / secsPerBin).toPrecision(3) + '/s, bins of ' + (secsPerBin * 1e3).toPrecision(3) + ' ms', 4, 11);
		el('rate').dataset.bins = nb;
	}

	/* ------------------------------------------------------ connection lanes */

	/*
	 * Thousands of lanes are scaled down to fit 8,000 px: a canvas past about
	 * 32,000 px is not drawn at all, and each redraw costs its area.
	 */
	var LABEL_H = 16, LANE_MAX = 240, ROW_H = 6, CANVAS_MAX = 8000;
	var lanes = [];		/* per process: {top, h, rows, rowH, byRow: [[ci sorted by birth]]} */
	var laneOrder = [];	/* the process indices, top to bottom */
	var laneOf = new Int32Array(N), rowOf = new Int32Array(N), totalH = 0;

	function lifeEnd(i) { return C.e[i] >= 0 ? C.e[i] : END; }

	/* Each lane's rows: a connection goes in the first row free at its birth (a heap of row ends). */
	(function () {
		var per = [];
		for (var p = 0; p < D.procs.length; p++) per.push([]);
		for (var i = 0; i < N; i++) per[C.p[i] < per.length ? C.p[i] : 0].push(i);
		/* Lanes by the processes' start (an exec'd image after the one it replaced, a child after its parent). */
		var order = per.map(function (_, i) { return i; });
		order.sort(function (a, b) { return D.procs[a].t - D.procs[b].t || a - b; });
		var y = 0;
		for (var oi = 0; oi < order.length; oi++) {
			var p2 = order[oi], list = per[p2];
			list.sort(function (a, b) { return C.b[a] - C.b[b]; });
			var heapT = [], heapR = [], byRow = [];
			for (var k = 0; k < list.length; k++) {
				var ci = list[k], r;
				if (heapT.length && heapT[0] <= C.b[ci]) {
					r = heapR[0];
					heapT[0] = lifeEnd(ci);
					down(heapT, heapR, 0);
				} else {
					r = byRow.length;
					byRow.push([]);
					heapT.push(lifeEnd(ci));
					heapR.push(r);
					up(heapT, heapR, heapT.length - 1);
				}
				byRow[r].push(ci);
				laneOf[ci] = p2;
				rowOf[ci] = r;
			}
			var rows = byRow.length, rowH = rows * ROW_H <= LANE_MAX ? ROW_H : LANE_MAX / rows;
			var h = LABEL_H + Math.max(rows * rowH, 2) + 4;
			lanes[p2] = { top: y, h: h, rows: rows, rowH: rowH, byRow: byRow, n: list.length, labelH: LABEL_H };
			laneOrder.push(p2);
			y += h;
		}
		if (y > CANVAS_MAX) {
			var f = CANVAS_MAX / y;
			for (var q = 0; q < laneOrder.length; q++) {
				var Lq = lanes[laneOrder[q]];
				Lq.top *= f; Lq.h *= f; Lq.rowH *= f; Lq.labelH *= f;
			}
			y = CANVAS_MAX;
		}
		totalH = Math.max(y, 20);
	})();
	phase('rows');

	function swap(a, i, j) { var t = a[i]; a[i] = a[j]; a[j] = t; }
	function up(T, R, i) {
		while (i > 0) {
			var p = (i - 1) >> 1;
			if (T[p] <= T[i]) break;
			swap(T, p, i); swap(R, p, i); i = p;
		}
	}
	function down(T, R, i) {
		for (;;) {
			var l = 2 * i + 1, r = l + 1, m = i;
			if (l < T.length && T[l] < T[m]) m = l;
			if (r < T.length && T[r] < T[m]) m = r;
			if (m === i) break;
			swap(T, m, i); swap(R, m, i); i = m;
		}
	}

	function barY(ci) {
		var L = lanes[laneOf[ci]];
		return L.top + L.labelH + rowOf[ci] * L.rowH;
	}

	/* The marks, by connection: [t, kind, k] triples. */
	/*
	 * The marks: typed columns (the viewer writes them by connection), each
	 * connection's first in markFrom; the findings' own marks apart (few).
	 */
	var NM = (D.marks.length / 3) | 0, mC = new Int32Array(NM), mT = new Float64Array(NM), mK = new Uint8Array(NM),
		mI = new Int32Array(NM), markFrom = new Int32Array(N + 1);
	(function () {
		var M = D.marks;
		for (var i = 0; i < NM; i++) {
			mC[i] = M[3 * i]; mT[i] = M[3 * i + 1]; mK[i] = M[3 * i + 2]; mI[i] = -1;
			markFrom[mC[i] + 1]++;
		}
		for (var c = 0; c < N; c++) markFrom[c + 1] += markFrom[c];
	})();

	/* Connection ci's marks as [t, kind, k] (its findings' included). */
	function marksOf(ci) {
		var out = [];
		for (var i = markFrom[ci]; i < markFrom[ci + 1]; i++) out.push([mT[i], mK[i], mI[i]]);
		var fs = findingsOf[idOf(ci)] || [];
		for (var f = 0; f < fs.length; f++) out.push([D.findings[fs[f]].t, 3, fs[f]]);
		return out;
	}

	/*
	 * The bars in drawing order: by ending (one fill colour each), then
	 * pixel row, then birth, so drawLanes can merge the bars that fall on
	 * one pixel row into runs (rows thinner than a pixel share one).
	 */
	var barYs = new Float32Array(N), drawOrder = new Int32Array(N), kindFrom = new Int32Array(ENDINGS.length + 1);
	(function () {
		/*
		 * A stable counting sort by (ending, pixel row) of the connections
		 * in report order, which is nearly birth order: O(N), where a
		 * comparator sort of 100,000 took 0.2 s.  A bar out of birth order
		 * only costs its run an extra rectangle.
		 */
		var H = Math.ceil(totalH) + 1, K = ENDINGS.length, from = new Int32Array(K * H + 1);
		for (var i = 0; i < N; i++) {
			barYs[i] = barY(i);
			kindFrom[C.k[i] + 1]++;
			from[C.k[i] * H + (barYs[i] | 0) + 1]++;
		}
		for (var k = 0; k < K; k++) kindFrom[k + 1] += kindFrom[k];
		for (var q = 0; q < K * H; q++) from[q + 1] += from[q];
		for (var j = 0; j < N; j++) drawOrder[from[C.k[j] * H + (barYs[j] | 0)]++] = j;
	})();
	phase('marks');

	var selected = -1, drawnBars = 0;

	function drawLanes() {
		var f = fit(el('lanes'), totalH), g = f.g, w = f.w;
		drawnBars = 0;
		g.font = '11px sans-serif';
		for (var oi = 0; oi < laneOrder.length; oi++) {
			var p = laneOrder[oi], L = lanes[p], pr = D.procs[p];
			g.fillStyle = oi % 2 ? '#f6f6f6' : '#fff';
			g.fillRect(0, L.top, w, L.h);
			g.fillStyle = '#333';
			if (L.labelH >= 12)	/* lanes scaled down to fit go unlabelled: hover names them */
				g.fillText('pid ' + pr.pid + '  ' + pr.name + '  (' + pr.origin + ', ' + L.n + ' connection' +
				(L.n === 1 ? '' : 's') + (L.rows * L.rowH < L.rows ? ', ' + L.rows + ' rows overlap: zoom in' : '') +
				')  ' + pr.end, 4, L.top + 12);
		}
		/*
		 * Bars merged per pixel row into runs: at 100,000 bars most share a
		 * pixel with another, and one fillRect per run is what keeps a
		 * redraw fast.  runA/runB: the pending run's ends on each pixel row.
		 */
		var runA = new Float64Array(totalH + 2), runB = new Float64Array(totalH + 2), hOf = new Float32Array(totalH + 2);
		var scale = w / (view.t1 - view.t0), t0 = view.t0, t1 = view.t1;
		for (var k = 0; k < ENDINGS.length; k++) {
			g.fillStyle = ENDINGS[k].color;
			runB.fill(-1e9);
			runA.fill(-1e9);
			for (var j = kindFrom[k]; j < kindFrom[k + 1]; j++) {
				var ci = drawOrder[j], b = C.b[ci], e = C.e[ci] >= 0 ? C.e[ci] : END;
				if (e < t0 || b > t1) continue;
				drawnBars++;
				var x0 = Math.floor(Math.max((b - t0) * scale, -1)), x1 = Math.ceil(Math.min((e - t0) * scale, w + 1));
				if (x1 <= x0) x1 = x0 + 1;
				var py = barYs[ci] | 0;
				if (x0 >= runA[py] && x0 <= runB[py]) {
					if (x1 > runB[py]) runB[py] = x1;
					continue;
				}
				if (runB[py] > runA[py]) g.fillRect(runA[py], py, runB[py] - runA[py], hOf[py]);
				var L2 = lanes[laneOf[ci]];
				hOf[py] = L2.rowH > 2 ? L2.rowH - 1 : 1;
				runA[py] = x0;
				runB[py] = x1;
			}
			for (var y = 0; y < totalH + 2; y++)
				if (runB[y] > runA[y]) g.fillRect(runA[y], y, runB[y] - runA[y], hOf[y]);
		}
		drawMarks(g, w);
		drawLinks(g, w);
		if (selected >= 0) {
			var L3 = lanes[laneOf[selected]], sx0 = xOf(C.b[selected], w), sx1 = xOf(lifeEnd(selected), w);
			g.strokeStyle = '#000';
			g.lineWidth = 2;
			g.strokeRect(sx0 - 2, barY(selected) - 2, Math.max(sx1 - sx0, 1) + 4, Math.max(L3.rowH, 2) + 3);
			g.lineWidth = 1;
		}
		el('lanes').dataset.bars = drawnBars;
	}

	/* '#rrggbb' as a pixel of an ImageData's Uint32Array (little-endian RGBA: 0xAABBGGRR). */
	function pixel(hex) {
		var v = parseInt(hex.slice(1), 16);
		return (0xff000000 | (v & 0xff) << 16 | (v & 0xff00) | (v >> 16 & 0xff)) >>> 0;
	}

	/* A few marks: a fillRect each (cheaper than an image of the whole canvas). */
	function drawMarksRects(g, w, scale) {
		var n = 0;
		for (var kind = 0; kind < 3; kind++) {
			g.fillStyle = MARKS[kind].color;
			for (var i = 0; i < NM; i++) {
				var t = mT[i];
				if (mK[i] !== kind || t < view.t0 || t > view.t1) continue;
				var ci = mC[i], rh = lanes[laneOf[ci]].rowH;
				g.fillRect(((t - view.t0) * scale | 0) - 1, barYs[ci] - (rh > 3 ? 1 : 0), 2, Math.max(rh + (rh > 3 ? 1 : 0), 2));
				n++;
			}
		}
		drawFindingMarks(g, w, scale, n);
	}

	/*
	 * The marks: tens of thousands of them are set as pixels of one image,
	 * drawn over the bars at once (a fillRect each took 0.2 s at 60,000).
	 */
	var markLayer = document.createElement('canvas');
	function drawMarks(g, w) {
		var n = 0, scale = w / (view.t1 - view.t0), dpr = window.devicePixelRatio || 1, shown = 0;
		for (var v = 0; v < NM; v++)
			if (mT[v] >= view.t0 && mT[v] <= view.t1) shown++;
		if (shown < 4000)
			return drawMarksRects(g, w, scale);
		var W = Math.round(w * dpr), H = Math.round(totalH * dpr), img = g.createImageData(W, H);
		var px = new Uint32Array(img.data.buffer), colors = MARKS.map(function (m) { return pixel(m.color); });
		for (var i = 0; i < NM; i++) {
			var t = mT[i];
			if (t < view.t0 || t > view.t1) continue;
			var ci = mC[i], rh = lanes[laneOf[ci]].rowH, y0 = barYs[ci] - (rh > 3 ? 1 : 0), hh = Math.max(rh + (rh > 3 ? 1 : 0), 2);
			var x0 = Math.max(Math.floor(((t - view.t0) * scale - 1) * dpr), 0), x1 = Math.min(x0 + Math.max(Math.round(2 * dpr), 1), W);
			var ya = Math.max(Math.floor(y0 * dpr), 0), yb = Math.min(Math.ceil((y0 + hh) * dpr), H), c = colors[mK[i]];
			for (var y = ya; y < yb; y++)
				for (var x = x0; x < x1; x++) px[y * W + x] = c;
			n++;
		}
		markLayer.width = W;
		markLayer.height = H;
		markLayer.getContext('2d').putImageData(img, 0, 0);
		g.save();
		g.setTransform(1, 0, 0, 1, 0, 0);
		g.drawImage(markLayer, 0, 0);
		g.restore();
		drawFindingMarks(g, w, scale, n);
	}

	/* The findings' marks (over the others: a finding is what to look at first); n: marks so far. */
	function drawFindingMarks(g, w, scale, n) {
		g.fillStyle = MARKS[3].color;
		for (var f = 0; f < D.findings.length; f++) {
			var cf = findingConn(D.findings[f]), tf = D.findings[f].t;
			if (cf === undefined || tf < view.t0 || tf > view.t1) continue;
			var rf = lanes[laneOf[cf]].rowH;
			g.fillRect(((tf - view.t0) * scale | 0) - 1, (barYs[cf] | 0) - 2, 3, Math.max(rf + 3, 4));
			n++;
		}
		el('lanes').dataset.marks = n;
	}

	function drawLinks(g, w) {
		var Lk = D.links, n = 0;
		g.lineWidth = 1.5;
		for (var i = 0; i + 4 < Lk.length; i += 5) {
			var from = lanes[Lk[i]], to = lanes[Lk[i + 1]], t = Lk[i + 2], kind = Lk[i + 3];
			if (!from || !to || t < view.t0 || t > view.t1) continue;
			var x = xOf(t, w), y0 = from.top + 8, y1 = to.top + 8;
			g.strokeStyle = kind === 0 ? '#555' : kind === 1 ? '#1f5fa8' : '#a83279';
			g.setLineDash(kind === 2 ? [4, 3] : []);
			g.beginPath();
			g.moveTo(x, y0);
			g.bezierCurveTo(x + 20, y0, x + 20, y1, x + 2, y1);
			g.stroke();
			g.fillStyle = g.strokeStyle;
			g.beginPath();
			g.moveTo(x + 2, y1);
			g.lineTo(x + 8, y1 - 4);
			g.lineTo(x + 8, y1 + 4);
			g.fill();
			n++;
		}
		g.setLineDash([]);
		g.lineWidth = 1;
		el('lanes').dataset.links = n;
	}

	/* The connection under (x, y) of the lanes canvas (within 3 px of a bar's ends), or -1. */
	function connAt(x, y, w) {
		var q0 = lastAtOrBefore(laneOrder.length, function (i) { return lanes[laneOrder[i]].top; }, y);
		if (q0 < 0) return -1;
		var L = lanes[laneOrder[q0]], r = Math.floor((y - L.top - L.labelH) / L.rowH);
		if (r < 0 || r >= L.rows) return -1;
		var row = L.byRow[r], t = tOf(x, w), slack = 3 * (view.t1 - view.t0) / w;
		var j = lastAtOrBefore(row.length, function (i) { return C.b[row[i]]; }, t + slack);
		for (var q = j; q >= 0 && q >= j - 1; q--)
			if (lifeEnd(row[q]) >= t - slack) return row[q];
		return -1;
	}

	/* ------------------------------------------------------- the words */


	/* The header line of connection ci: its block's first line, else what the page kept. */
	function header(ci) {
		var d = detailOf[ci];
		if (d) return d[1].slice(0, d[1].indexOf('\n'));
		var pr = D.procs[C.p[ci]] || { pid: '?' };
		return 'connection ' + (ci + 1) + '  pid ' + pr.pid + '  ' + (D.desc[ci] >= 0 ? D.descs[D.desc[ci]] : ROLES[C.r[ci]]) +
			'  socket ' + idOf(ci);
	}

	/* The event line (as the text report words it) of ci at or before t, or null. */
	function eventLine(ci, t) {
		var d = detailOf[ci];
		if (!d || !d[2].length) return null;
		var k = lastAtOrBefore(d[2].length, function (i) { return d[2][i]; }, t);
		if (k < 0) k = 0;
		var s = d[1], a = d[3][k], b = s.indexOf('\n', a);
		return s.slice(a, b < 0 ? s.length : b);
	}

	function lifeWords(ci) {
		return 'born ' + secs(C.b[ci]) + (C.e[ci] >= 0 ? ', last reference released ' + secs(C.e[ci]) +
			' (lifetime ' + dur(C.e[ci] - C.b[ci]) + ')' : ', never released by the trace\'s end') +
			'; ended: ' + ENDINGS[C.k[ci]].name + '; made at ' + siteName(slotOf(C.s[ci]));
	}

	function detailText(ci) {
		var d = detailOf[ci], site = D.sites[C.s[ci]], s = '';
		s += lifeWords(ci) + '\n\n';
		if (d) {
			s += d[1];
		} else {
			s += header(ci) + '\n';
			s += '  (its events are not embedded: the page keeps ' + D.detail.length +
				' connections\' timelines; socktrace report prints every one)\n';
			var ms = marksOf(ci);
			for (var i = 0; i < ms.length; i++)
				s += '  ' + secs(ms[i][0]) + '  ' + MARKS[ms[i][1]].name + '\n';
			s += '  creation stack:\n' + (site && site.stack ? site.stack : '  (not recorded, or not embedded)\n');
		}
		var fs = findingsOf[idOf(ci)] || [];
		for (var f = 0; f < fs.length; f++) {
			var F = D.findings[fs[f]];
			s += '\n' + F.severity + ' ' + F.kind + '  pid ' + F.pid + ' fd ' + F.fd + '  ' + F.at + '\n    ' +
				(F.message === null ? '(its message: socktrace audit; the page keeps the first ' + D.messages_kept + ')' : F.message) + '\n';
		}
		return s;
	}


	/* ------------------------------------------------------- interaction */

	var tip = el('tip');

	function showTip(ev, text) {
		if (!text) { tip.hidden = true; return; }
		tip.textContent = text;
		tip.hidden = false;
		var x = ev.clientX + 14, y = ev.clientY + 14;
		if (x + tip.offsetWidth > window.innerWidth) x = Math.max(ev.clientX - tip.offsetWidth - 14, 0);
		if (y + tip.offsetHeight > window.innerHeight) y = Math.max(ev.clientY - tip.offsetHeight - 14, 0);
		tip.style.left = x + 'px';
		tip.style.top = y + 'px';
	}

	function select(ci, reveal) {
		if (ci < 0 || ci >= N) return;
		selected = ci;
		el('detail').textContent = detailText(ci);
		el('detail').dataset.conn = idOf(ci);
		if (reveal) {
			var b = C.b[ci], e = lifeEnd(ci), span = view.t1 - view.t0;
			if (b < view.t0 || e > view.t1) {
				span = Math.max(span, (e - b) * 1.2);
				setView(b - (span - (e - b)) / 2, b - (span - (e - b)) / 2 + span);
			}
			var box = el('lanes');
			window.scrollTo(0, box.getBoundingClientRect().top + window.scrollY + barY(ci) - 120);
		}
		var rows = document.querySelectorAll('#findings tbody tr');
		for (var i = 0; i < rows.length; i++)
			rows[i].classList.toggle('selected', rows[i].dataset.id === idOf(ci));
		schedule();
	}

	function wheelZoom(cv) {
		cv.addEventListener('wheel', function (ev) {
			ev.preventDefault();
			var w = cv.clientWidth, t = tOf(ev.offsetX, w), k = ev.deltaY < 0 ? 0.8 : 1.25;
			setView(t - (t - view.t0) * k, t + (view.t1 - t) * k);
		}, { passive: false });
	}

	/* Drag pans; a press released where it began is a click (onClick). */
	function dragPan(cv, onClick) {
		var down = null;
		cv.addEventListener('mousedown', function (ev) {
			down = { x: ev.clientX, t0: view.t0, t1: view.t1, moved: false };
		});
		window.addEventListener('mousemove', function (ev) {
			if (!down) return;
			var dx = ev.clientX - down.x;
			if (Math.abs(dx) > 3) down.moved = true;
			if (!down.moved) return;
			var dt = dx / cv.clientWidth * (down.t1 - down.t0);
			setView(down.t0 - dt, down.t1 - dt);
		});
		window.addEventListener('mouseup', function (ev) {
			if (down && !down.moved && ev.target === cv && onClick) onClick(ev);
			down = null;
		});
	}

	function hoverOpen(ev) {
		var cv = el('open'), w = cv.clientWidth, c = Math.floor(ev.offsetX);
		if (!cols || c < 0 || c >= cols.made.length) return showTip(ev, null);
		var S = cols.S, lines = [], total = 0, most = 0;
		for (var s = 0; s < S; s++) {
			total += cols.at[c * S + s];
			most += cols.peak[c * S + s];
		}
		lines.push('at ' + secs(tOf(c + 1, w)) + ': ' + total + ' open (most in this pixel: ' + most + ')');
		for (var s2 = 0; s2 < S; s2++)
			if (cols.at[c * S + s2] || cols.peak[c * S + s2])
				lines.push('  ' + cols.at[c * S + s2] + ' (most ' + cols.peak[c * S + s2] + ')  ' + siteName(s2));
		lines.push('made ' + cols.made[c] + ', closed ' + cols.gone[c] + ' in ' + secs(tOf(c, w)) + ' to ' + secs(tOf(c + 1, w)));
		showTip(ev, lines.join('\n'));
	}

	function hoverLanes(ev) {
		var cv = el('lanes'), w = cv.clientWidth, ci = connAt(ev.offsetX, ev.offsetY, w);
		if (ci < 0) return showTip(ev, null);
		var t = tOf(ev.offsetX, w), text = header(ci) + '\n' + lifeWords(ci);
		var line = eventLine(ci, t), ms = marksOf(ci), slack = 4 * (view.t1 - view.t0) / w;
		if (line) text += '\n' + line;
		for (var i = 0; i < ms.length; i++)
			if (Math.abs(ms[i][0] - t) <= slack)
				text += '\n' + MARKS[ms[i][1]].name + ' at ' + secs(ms[i][0]) +
					(ms[i][1] === 3 ? ': ' + D.findings[ms[i][2]].kind : '');
		showTip(ev, text);
	}

	/* ------------------------------------------------------- static parts */

	function legend() {
		var ul = el('legend'), S = nslots();
		for (var s = 0; s < S; s++) {
			var li = document.createElement('li');
			li.innerHTML = '<span class="sw"></span>';
			li.firstChild.style.background = SITE_COLORS[s % SITE_COLORS.length];
			li.appendChild(document.createTextNode(siteName(s) + (s < D.named ? '  (' + D.sites[s].n +
				' made, at most ' + D.sites[s].peak + ' open)' : '')));
			if (s < D.named && D.sites[s].stack) li.title = D.sites[s].stack;
			ul.appendChild(li);
		}
		var el2 = el('ending-legend');
		ENDINGS.forEach(function (e) { add(el2, e.color, e.name, 'sw'); });
		MARKS.forEach(function (m) { add(el2, m.color, m.name, 'mk'); });
		LINKS.forEach(function (n, i) { add(el2, ['#555', '#1f5fa8', '#a83279'][i], n + ' (link)', 'ln'); });
		function add(ul2, color, name, cls) {
			var li2 = document.createElement('li');
			li2.innerHTML = '<span class="' + cls + '"></span>';
			li2.firstChild.style.background = color;
			li2.appendChild(document.createTextNode(name));
			ul2.appendChild(li2);
		}
	}

	/*
	 * The findings table, 50 rows at a time (a row of long words costs layout:
	 * 200 took 0.15 s; a button adds the next 50).  A row that names a connection selects it.
	 */
	var tableShown = 0, PAGE_ROWS = 50;

	function findingRow(F) {
		var tr = document.createElement('tr');
		[F.severity, F.kind, F.pid, F.fd, F.at, F.id || '-',
			F.message === null ? '(not embedded: socktrace audit has it)' : F.message].forEach(function (v) {
			var td = document.createElement('td');
			td.textContent = v;
			tr.appendChild(td);
		});
		tr.className = 'sev-' + F.severity;
		if (findingConn(F) !== undefined) {
			tr.dataset.id = F.id;
			tr.dataset.ci = F.ci;
			tr.classList.add('linked');
			tr.addEventListener('click', function () { select(+this.dataset.ci, true); });
		}
		return tr;
	}

	function findingsMore() {
		var tb = document.querySelector('#findings tbody'), frag = document.createDocumentFragment();
		var old = el('findings-more');
		if (old) old.parentNode.removeChild(old);
		for (var n = 0; tableShown < D.findings.length && n < PAGE_ROWS; n++)
			frag.appendChild(findingRow(D.findings[tableShown++]));
		if (!D.findings.length) {
			var tr3 = document.createElement('tr'), td3 = document.createElement('td');
			td3.colSpan = 7;
			td3.textContent = 'no findings';
			tr3.appendChild(td3);
			frag.appendChild(tr3);
		} else if (tableShown < D.findings.length) {
			var tr2 = document.createElement('tr'), td2 = document.createElement('td'), bt = document.createElement('button');
			tr2.id = 'findings-more';
			td2.colSpan = 7;
			bt.textContent = 'show ' + Math.min(PAGE_ROWS, D.findings.length - tableShown) + ' more of ' +
				(D.findings.length - tableShown) + ' (every finding is marked on its bar)';
			bt.onclick = findingsMore;
			td2.appendChild(bt);
			tr2.appendChild(td2);
			frag.appendChild(tr2);
		}
		tb.appendChild(frag);
	}

	function drawAll() {
		var t = performance.now();
		drawOpen();
		var t2 = performance.now();
		drawRate();
		drawLanes();
		phases.draw_open = +(t2 - t).toFixed(1);
		phases.draw_lanes = +(performance.now() - t2).toFixed(1);
		el('range').textContent = secs(view.t0) + ' to ' + secs(view.t1) + ' (' + dur(view.t1 - view.t0) + ')';
		document.documentElement.dataset.drawMs = (performance.now() - t).toFixed(1);
	}

	el('clock').textContent = (D.first_event ? 'first event at ' + D.first_event +
		(D.wall_clock ? '; the charts show seconds since then, the timelines wall-clock times. ' :
			'; times are seconds since then. ') : 'no events recorded. ') + N + ' connections, ' +
		D.procs.length + ' processes, ' + D.findings.length + ' findings.';
	if (D.notice) {
		el('notice').textContent = D.notice;
		el('notice').hidden = false;
	}
	el('summary').textContent = D.summary;
	legend();
	findingsMore();
	phase('tables');
	['open', 'rate', 'lanes'].forEach(function (id) {
		wheelZoom(el(id));
		dragPan(el(id), id === 'lanes' ? function (ev) {
			var ci = connAt(ev.offsetX, ev.offsetY, el('lanes').clientWidth);
			if (ci >= 0) select(ci, false);
		} : null);
	});
	el('open').addEventListener('mousemove', hoverOpen);
	el('lanes').addEventListener('mousemove', hoverLanes);
	['open', 'lanes'].forEach(function (id) { el(id).addEventListener('mouseleave', function () { tip.hidden = true; }); });
	el('zoom-in').onclick = function () { var m = (view.t0 + view.t1) / 2, s = (view.t1 - view.t0) * 0.4; setView(m - s, m + s); };
	el('zoom-out').onclick = function () { var m = (view.t0 + view.t1) / 2, s = (view.t1 - view.t0) * 1.25; setView(m - s, m + s); };
	el('zoom-reset').onclick = function () { setView(0, END); };
	window.addEventListener('resize', schedule);
	drawAll();
	phase('drawn');

	/* For tests and for the curious: what was drawn, and how long the first render took. */
	window.socktrace = {
		phases: phases, data: D, view: view, idOf: idOf,
		levelAt: function (c) {	/* the open sockets at the end of pixel column c, over every site */
			var t = 0;
			for (var s = 0; s < cols.S; s++) t += cols.at[c * cols.S + s];
			return t;
		}, select: select, connAt: connAt, barY: barY, xOf: xOf, setView: setView,
		connById: connById
	};
	document.documentElement.dataset.renderMs = (performance.now() - t_start).toFixed(1);
	document.documentElement.dataset.readyAt = performance.now().toFixed(1);	/* since navigation began */
	document.documentElement.dataset.ready = '1';
})();
