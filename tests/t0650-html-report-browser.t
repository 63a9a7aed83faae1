#!/usr/bin/env bash
# socktrace report --html in a real browser: the report of every example
# and of a 100,000-connection trace (tests/progs/manyconns), each loaded
# in Debian's headless chromium through playwright-core
# (tests/browser/check_report.js).  No console error, no request made (the
# page is self-contained), the charts and bars drawn (sizes and inked
# pixels), hovering a bar shows its connection's words, clicking it and
# clicking a finding select that connection; a screenshot of each is kept
# in $B/html-report/ for a person to look at.  Also: the file's own
# promises (no external reference, < 20 MB) and its failure modes (a file
# written whole or not at all, a clear error on bad input).
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
BROWSER_DIR=$TOP/tests/browser
SHOTS=$B/html-report
EXAMPLES=${EXAMPLES:-"close_wait_leak echo fork_server forking_audit leaky_server refused shutdown_vs_close"}
BIG_N=100000

command -v node >/dev/null 2>&1 || skip_all "node is not installed (tools/install-deps installs nodejs)"
[ -x "$CHROMIUM" ] || skip_all "no chromium at $CHROMIUM (tools/install-deps installs Debian's chromium)"
(cd "$BROWSER_DIR" && node -e "require('playwright-core')" 2>/dev/null) ||
	skip_all "playwright-core missing in tests/browser (tools/install-deps runs npm ci there)"

plan $((7 * 11 + 19))
mkdir -p "$SHOTS"

# browse HTML PNG: check_report.js's one JSON line about the page, into $WORK/b.json.
browse() {
	timeout 180 node "$BROWSER_DIR/check_report.js" --chromium "$CHROMIUM" --html "$1" --shot "$2" \
		--timeout 60000 > "$WORK/b.json" 2> "$WORK/b.err"
}
# q FILTER: jq on the last page's JSON.
Q_FILE=$WORK/b.json

# page_ok NAME CONNS: the assertions every page gets (10 test points).
page_ok() {
	is "$(q '(.console_errors + .page_errors) | length')" 0 "$1: no console error, no script error" ||
		diag "$(q '.console_errors + .page_errors | join(" | ")')"
	is "$(q '.requests | length')" 0 "$1: the page requested nothing (self-contained)"
	is "$(q '.conns')" "$2" "$1: the page holds every connection the report has ($2)"
	is "$(q '[.open, .rate, .lanes] | map(.w > 0 and .h > 0) | all')" true "$1: the three charts have a size"
	is "$(q '.open.ink > 100 and .rate.ink > 0')" true "$1: the open-sockets and rate charts are drawn (inked pixels)"
	is "$(q '.lanes.data.bars')" "$2" "$1: one bar drawn per connection over the whole trace"
	is "$(q '.lanes.ink > 0')" true "$1: the lanes show ink"
	is "$(q '. as $d | $d.hover.visible and ($d.hover.text | test("socket " + $d.hover.id + "\\b"))')" true \
		"$1: hovering a bar shows its connection (its header names its socket id)"
	is "$(q '.click_bar == .click_bar_want')" true "$1: clicking that bar shows that connection"
	is "$(q '.zoomed < 1')" true "$1: the wheel zooms in"
}

# page_of EX: trace example EX into $WORK/tr and write its page, $WORK/EX.html; report --html's status.
page_of() {
	rm -rf "$WORK/tr"
	untraced timeout 60 "$ST" run -o "$WORK/tr" -- "$EX/$1" > /dev/null 2> "$WORK/run.err"
	"$ST" report --html -o "$WORK/$1.html" "$WORK/tr" 2> "$WORK/rep.err"
}

for ex in $EXAMPLES; do
	page_of "$ex"
	rc=$?
	n=$("$ST" report --json "$WORK/tr" | jq '.connections | length')
	if [ "$rc" -ne 0 ] || ! browse "$WORK/$ex.html" "$SHOTS/$ex.png"; then
		ok 1 "$ex: report --html and the browser ran (rc $rc)"
		diag "$(cat "$WORK/rep.err" "$WORK/b.err" | head -n 20)"
		skip 10 "$ex: no page to check"
		continue
	fi
	ok 0 "$ex: report --html wrote a page the browser loaded"
	page_ok "$ex" "$n"
done

# The finding links: forking_audit's first finding selects the connection it names.
[ -e "$WORK/forking_audit.html" ] || page_of forking_audit
browse "$WORK/forking_audit.html" "$SHOTS/forking_audit.png"
is "$(q '.finding.conn != null and .finding.conn == .finding.want')" true \
	"forking_audit: clicking a finding shows the connection its id names"
is "$(q '. as $d | $d.finding.text | contains($d.finding.kind)')" true "forking_audit: ... with the finding's words under it"
is "$(q '.finding.selected >= 1')" true "forking_audit: ... and its row marked selected"
is "$(q '.lanes.data.links | tonumber >= 1')" true "forking_audit: its fork and exec drawn as links"

# Self-contained: nothing the page could fetch, and a policy forbidding it anyway.
is "$(grep -Eic '<(script|link|img|iframe)[^>]*(src|href)=|@import|url\(' "$WORK/forking_audit.html")" 0 \
	"no external script, style, font or image referenced"
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$WORK/forking_audit.html"
ok $? "the page's Content-Security-Policy forbids every load"

# A big trace: 100,000 connections.
rm -rf "$WORK/big"
SOCKTRACE_RING_MB=64 traced "$WORK/big" timeout 120 "$PROGS/manyconns" "$BIG_N" > "$WORK/big.out"
want=$(kv "$WORK/big.out" conns)
"$ST" report --html -o "$WORK/big.html" "$WORK/big" 2> "$WORK/rep.err"
ok $? "report --html of $want connections"
size=$(stat -c %s "$WORK/big.html" 2>/dev/null || echo 0)
ok "$([ "$size" -gt 0 ] && [ "$size" -lt $((20 * 1024 * 1024)) ] && echo 0 || echo 1)" \
	"its file is under 20 MB ($size bytes)"
# big_ok: the page loaded with no error, and hover, click and a finding work.
big_ok() {
	[ "$(q '((.console_errors + .page_errors) | length) == 0 and .hover.visible and
		.click_bar == .click_bar_want and .finding.conn == .finding.want')" = true ]
}
# Once again when that fails, saying what the first look saw: in CI, and
# only there, this page has failed so (one console error, a hover or click
# astray) without a cause found; a fault of the page fails both looks.
if browse "$WORK/big.html" "$SHOTS/manyconns.png" && ! big_ok; then
	diag "big, first look: errors $(q -c '.console_errors + .page_errors') hover $(q -c '.hover | del(.text)')" \
		"click $(q -c '[.click_bar, .click_bar_want]') finding $(q -c '.finding | del(.text)')"
	browse "$WORK/big.html" "$SHOTS/manyconns.png"
fi
if [ -s "$WORK/b.json" ]; then
	is "$(q '.conns')" "$want" "big: the page holds all $want connections"
	is "$(q '(.console_errors + .page_errors) | length')" 0 "big: no console error" ||
		diag "$(q '.console_errors + .page_errors | join(" | ")')"
	is "$(q '.lanes.data.bars')" "$want" "big: every bar drawn"
	is "$(q '.hover.visible and .click_bar == .click_bar_want')" true "big: hover and click work" ||
		diag "hover $(q -c .hover) click $(q -c '[.click_bar, .click_bar_want]')"
	is "$(q '.finding.conn == .finding.want')" true "big: a finding leads to its connection" ||
		diag "finding $(q -c '.finding | del(.text)')"
	diag "big: ready $(q '.ready_at_ms') ms after navigation, script $(q '.render_ms') ms (bench/html.sh measures)"
else
	diag "$(head -n 20 "$WORK/b.err")"
	skip 5 "big: the browser did not load the page"
fi

# Lost history: a 1 MiB ring wraps.  The page says so, shades what came
# before the timelines are complete, and the open count there starts from
# the state: the 100 sockets made before it and never closed are counted.
rm -rf "$WORK/lost"
SOCKTRACE_RING_MB=1 traced "$WORK/lost" timeout 120 "$PROGS/manyconns" 30000 > /dev/null
"$ST" report --html -o "$WORK/lost.html" "$WORK/lost" 2> "$WORK/rep.err"
if browse "$WORK/lost.html" "$SHOTS/lost-history.png"; then
	like "$(q '.notice')" 'events lost .* its timelines are complete from' "lost history: the page shows the report's notice"
	is "$(q '.history_from > 0')" true "... and where the timelines become complete"
	is "$(q '.level_at_history >= 100')" true "... the open count there includes the 100 sockets only the state knew made"
else
	skip 3 "lost history: the browser did not load the page"
fi

# Failure modes: nothing left behind, a clear error.
"$ST" report --html -o "$WORK/no/such/dir/r.html" "$WORK/big" 2> "$WORK/err"
rc=$?
is "$rc:$(grep -c 'cannot create' "$WORK/err")" "1:1" "-o into a missing directory: exit 1, says it cannot create the file"
head -c 300 "$(ls "$WORK/big"/*.socktrace | head -n 1)" > "$WORK/trunc.socktrace"
"$ST" report --html -o "$WORK/trunc.html" "$WORK/trunc.socktrace" 2> "$WORK/err"
rc=$?
is "$rc:$([ -e "$WORK/trunc.html" ] && echo file || echo none):$(ls -a "$WORK" | grep -c '^\.trunc')" "65:none:0" \
	"a truncated trace: exit 65, no output file and no temporary left"
like "$(cat "$WORK/err")" 'trunc.socktrace' "... the error names the file"
done_testing
