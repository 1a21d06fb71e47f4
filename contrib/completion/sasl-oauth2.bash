# SPDX-License-Identifier: MIT
# bash completion for sasl-oauth2(1): commands, options, option values and
# the account names of the token store.
# Commands and options are read from the command's own --help, so they follow
# the installed version; accounts from `sasl-oauth2 status --json` (with the
# --config and --store given on the line).
# Installed as bash-completion's completions/sasl-oauth2; by hand:
#   . contrib/completion/sasl-oauth2.bash

# _sasl_oauth2_help WORD... - the command's --help text (WORD: the command)
_sasl_oauth2_help() {
	"${_sasl_oauth2_cmd:-sasl-oauth2}" "$@" --help 2>/dev/null
}

# _sasl_oauth2_accounts - the accounts of the store, one per line
_sasl_oauth2_accounts() {
	"${_sasl_oauth2_cmd:-sasl-oauth2}" "${_sasl_oauth2_global[@]}" status --json 2>/dev/null \
		| sed -n 's/^ *"account": *"\(.*\)",*$/\1/p'
}

# the options that take a value as the next word
_sasl_oauth2_valopts="--config --store --ca-file --client-secret-file --certificate --private-key
	--server-ca --postfix-config --user --provider --grant --cloud --protocol --mech --tls
	--assertion-alg --tenant --client-id --authority --token-endpoint --device-endpoint
	--authorization-endpoint --scope --port --redirect-uri --timeout --if-expiring-within
	--keepalive --reply --config-directory --backup-dir --server --profile --endpoint -c"
_sasl_oauth2_valopts=$(echo $_sasl_oauth2_valopts)

_sasl_oauth2() {
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -s || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local _sasl_oauth2_cmd=${words[0]}
	local _sasl_oauth2_global=()
	local i cmd= nargs=0 w
	# the command: the first word that is not an option or an option's value
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--config | --store | --ca-file)
			_sasl_oauth2_global+=("$w" "${words[i + 1]}")
			i=$((i + 1))
			continue ;;
		--config=* | --store=* | --ca-file=*)
			_sasl_oauth2_global+=("$w")
			continue ;;
		--*=*) continue ;;
		-*)
			# an option with a value: skip the value
			[[ " $_sasl_oauth2_valopts " == *" $w "* ]] && i=$((i + 1))
			continue ;;
		esac
		if [ -z "$cmd" ]; then
			cmd=$w
		else
			nargs=$((nargs + 1))
		fi
	done

	# values of options
	case $prev in
	--config | --ca-file | --client-secret-file | --certificate | --private-key | --server-ca)
		COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	--store | --postfix-config | --config-directory | --backup-dir | -c)
		COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	--user)
		COMPREPLY=($(compgen -u -- "$cur")); return ;;
	--provider)
		COMPREPLY=($(compgen -W "microsoft google generic" -- "$cur")); return ;;
	--grant)
		COMPREPLY=($(compgen -W "device code client-credentials" -- "$cur")); return ;;
	--cloud)
		COMPREPLY=($(compgen -W "global usgov dod china" -- "$cur")); return ;;
	--protocol)
		if [ "$cmd" = connect ]; then
			COMPREPLY=($(compgen -W "imap pop3" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "smtp imap pop all" -- "$cur"))
		fi
		return ;;
	--mech)
		COMPREPLY=($(compgen -W "xoauth2 oauthbearer" -- "$cur")); return ;;
	--tls)
		COMPREPLY=($(compgen -W "starttls implicit" -- "$cur")); return ;;
	--endpoint)
		COMPREPLY=($(compgen -W "smtp hve imap pop" -- "$cur")); return ;;
	--assertion-alg)
		COMPREPLY=($(compgen -W "PS256 RS256" -- "$cur")); return ;;
	--tenant | --client-id | --authority | --token-endpoint | --device-endpoint \
		| --authorization-endpoint | --scope | --port | --redirect-uri | --timeout \
		| --if-expiring-within | --keepalive | --reply | --server | --profile)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		local opts
		if [ -n "$cmd" ]; then
			opts=$(_sasl_oauth2_help "$cmd" | grep -o -E -- '--[a-z][a-z0-9-]*(\[?=)?' \
				| sed 's/\[=$/=/' | sort -u)
		fi
		opts="$opts $(_sasl_oauth2_help | grep -o -E -- '(^|[ ,])--?[a-zA-Z][a-z0-9-]*' \
			| tr -d ' ,' | sort -u)"
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		[[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null
		return
	fi

	local cmds
	cmds=$(_sasl_oauth2_help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p')
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		return
	fi
	# a command with subcommands: "Usage: sasl-oauth2 CMD SUB ..." in its --help
	local subs
	subs=$(_sasl_oauth2_help "$cmd" | sed -n "s/^\(Usage:\)\{0,1\} *[^ ]*sasl-oauth2 $cmd \([a-z][a-z-]*\).*/\2/p" \
		| sort -u)
	if [ -n "$subs" ]; then
		[ "$nargs" -eq 0 ] && COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	case $cmd in
	help)
		[ "$nargs" -eq 0 ] && COMPREPLY=($(compgen -W "$cmds" -- "$cur")) ;;
	token | inspect | doctor)
		[ "$nargs" -eq 0 ] && COMPREPLY=($(compgen -W "$(_sasl_oauth2_accounts)" -- "$cur")) ;;
	refresh | status | logout | login)
		[ "$cmd" = login ] && [ "$nargs" -gt 0 ] && return
		COMPREPLY=($(compgen -W "$(_sasl_oauth2_accounts)" -- "$cur")) ;;
	connect)
		case $nargs in
		0) COMPREPLY=($(compgen -W "$(_sasl_oauth2_accounts)" -- "$cur")) ;;
		1) COMPREPLY=($(compgen -A hostname -- "$cur")) ;;
		2) COMPREPLY=($(compgen -W "imap imaps pop3 pop3s 143 993 110 995" -- "$cur")) ;;
		esac ;;
	esac
}
complete -F _sasl_oauth2 sasl-oauth2
