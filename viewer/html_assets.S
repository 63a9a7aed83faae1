/*
 * html_assets.S - the HTML report's page, style and script, embedded at
 * build time from viewer/html/ (real files, edited and linted as such),
 * each followed by a NUL.  Paths are relative to the top directory, where
 * make runs; the Makefile rebuilds the viewer when one changes.
 */
	.section .rodata
	.balign 16
	.globl st_html_page
st_html_page:
	.incbin "viewer/html/report.html"
	.byte 0
	.globl st_html_css
st_html_css:
	.incbin "viewer/html/report.css"
	.byte 0
	.globl st_html_js
st_html_js:
	.incbin "viewer/html/report.js"
	.byte 0
	.section .note.GNU-stack,"",@progbits
