# bash completion for socktrace(1).  The words come from the socktrace
# being completed (socktrace help --words [COMMAND]), so they are always
# the options that binary takes.  Installed by make install into
# $(BASHCOMPDIR); source it by hand to try it.

_socktrace()
{
	local st=$1 cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]:-} i opt
	COMPREPLY=()

	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$("$st" help --words 2>/dev/null)" -- "$cur"))
		return
	fi
	if [ "$cmd" = help ]; then
		[ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "$("$st" help --words help 2>/dev/null)" -- "$cur"))
		return
	fi
	# run: after --, the command to run and its arguments.
	if [ "$cmd" = run ]; then
		for ((i = 2; i < COMP_CWORD; i++)); do
			[ "${COMP_WORDS[i]}" = -- ] || continue
			if [ "$i" -eq $((COMP_CWORD - 1)) ]; then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		done
	fi
	case ${COMP_WORDS[COMP_CWORD - 1]} in
	-o|--output)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	esac
	# --opt=value: bash splits at '=' (COMP_WORDBREAKS), so cur is the value.
	if [ "$cur" = = ] || [ "${COMP_WORDS[COMP_CWORD - 1]}" = = ]; then
		[ "$cur" = = ] && opt=${COMP_WORDS[COMP_CWORD - 1]} cur= ||
			opt=${COMP_WORDS[COMP_CWORD - 2]}
		COMPREPLY=($(compgen -W "$("$st" help --words "$cmd" 2>/dev/null |
			sed -n "s/^$opt=\(..*\)/\1/p")" -- "$cur"))
		[ ${#COMPREPLY[@]} -gt 0 ] || COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	case $cur in
	-*)
		COMPREPLY=($(compgen -W "$("$st" help --words "$cmd" 2>/dev/null | sed 's/=.*/=/' | sort -u)" -- "$cur"))
		[ "${COMPREPLY[0]:-}" != "${COMPREPLY[0]%=}" ] && compopt -o nospace 2>/dev/null
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))	# trace files and directories
		;;
	esac
}
complete -o filenames -F _socktrace socktrace
