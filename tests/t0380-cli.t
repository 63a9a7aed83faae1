#!/usr/bin/env bash
# The command line: --version (the Makefile's VERSION, as the man page
# says it), help and help COMMAND (the same as COMMAND --help), usage errors
# that name the bad word and show the short usage (exit 64), and the bash
# completion, which offers what socktrace help --words lists.
. "$(dirname "$0")/lib.sh"
plan 28

# st ARGS...: RC, $WORK/o (stdout), $WORK/e (stderr).
st() { "$ST" "$@" > "$WORK/o" 2> "$WORK/e"; RC=$?; }

VERSION=$(sed -n 's/^VERSION[ \t]*=[ \t]*//p' "$TOP/Makefile")
FORMAT=$(sed -n 's/^#define ST_FORMAT_VERSION[ \t]*\([0-9]*\)u.*/\1/p' "$TOP/include/trace_format.h")
st --version
is "$RC:$(cat "$WORK/o")" "0:socktrace $VERSION (trace format $FORMAT)" "--version: the Makefile's VERSION ($VERSION) and the trace format"
like "$(grep '^\.TH' "$TOP/man/socktrace.1")" "\"socktrace $VERSION\"" "the man page names the same version"

st help
is "$RC" 0 "help: exit 0"
is "$(sed -nE 's/^  (report|audit|leaks|top|run) .*/\1/p' "$WORK/o" | paste -sd' ')" "report audit leaks top run" "help lists the five commands"
for c in report audit leaks top run; do
	st help "$c"
	cp "$WORK/o" "$WORK/help.$c"
	st "$c" --help
	if [ "$RC" -eq 0 ] && cmp -s "$WORK/o" "$WORK/help.$c" && grep -q "^usage: socktrace $c " "$WORK/o"; then
		ok 0 "help $c is $c --help: its usage and options"
	else
		ok 1 "help $c is $c --help: its usage and options"
	fi
done
like "$(cat "$WORK/help.report")" "--wall-clock +times as local wall-clock time" "help report explains --wall-clock"
st help nosuch
is "$RC:$(head -n 1 "$WORK/e")" "64:socktrace: no command 'nosuch' to explain" "help nosuch: exit 64, naming it"

# Usage errors: the bad word, then the short usage, exit 64, nothing on stdout.
usage_error() {	# WHAT WANT-FIRST-LINE WANT-USAGE ARGS...
	local what=$1 want=$2 usage=$3; shift 3
	st "$@"
	is "$RC:$(head -n 1 "$WORK/e"):$(sed -n 2p "$WORK/e" | cut -c1-${#usage}):$(wc -c < "$WORK/o")" "64:$want:$usage:0" "$what"
}
usage_error "report --jsn" "socktrace report: unknown option '--jsn'" "usage: socktrace report " report --jsn
usage_error "report --json=yes" "socktrace report: --json takes no value (in '--json=yes')" "usage: socktrace report " report --json=yes
usage_error "audit --fail-on (no value)" "socktrace audit: --fail-on needs a value" "usage: socktrace audit " audit --fail-on
usage_error "report --color=blue" "socktrace report: --color=blue: takes auto, always or never" "usage: socktrace report " report --color=blue
usage_error "run -x" "socktrace run: unknown option '-x'" "usage: socktrace run " run -x -- true
usage_error "run without a command" "socktrace run: no command given (socktrace run -- CMD [ARGS...])" "usage: socktrace run " run
usage_error "an unknown command" "socktrace: unknown command 'reprot'" "usage: socktrace report " reprot
usage_error "no command" "socktrace: no command given" "usage: socktrace report " 

# Completion: the installed script, run as bash runs it (words split at '=').
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _socktrace "$0"; printf "%s\n" "${COMPREPLY[@]}"' \
		"$ST" "$TOP/completion/socktrace.bash" "$@" | sort | paste -sd' '
}
is "$(comp socktrace "")" "--help --version audit export help leaks report run top" "completion: the commands"
is "$(comp socktrace rep)" "report" "completion: rep -> report"
is "$(comp socktrace report --w)" "--wall-clock" "completion: report --w -> --wall-clock"
is "$(comp socktrace audit --fail-on = w)" "warning" "completion: audit --fail-on=w -> warning"
is "$(comp socktrace help le)" "leaks" "completion: help le -> leaks"
like " $(comp socktrace run -o d -- tru) " " true " "completion: after run --, the command"
# Every option a synopsis shows is a word the completion offers.
for c in report audit leaks; do
	missing=
	for o in $(grep -oE '\[--[a-z-]+' "$WORK/help.$c" | tr -d '['); do
		"$ST" help --words "$c" | grep -q -- "^$o\(=\|$\)" || missing="$missing $o"
	done
	[ -z "$missing" ] || diag "$c:$missing"
	[ -n "$missing" ]
	is "$?" 1 "$c: every option of its synopsis is a completion word"
done
done_testing
