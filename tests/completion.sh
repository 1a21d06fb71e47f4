#!/bin/bash
# SPDX-License-Identifier: MIT
# completion.sh - the bash and zsh completions (contrib/completion) against
# this build's command: commands, each command's options, option values, the
# accounts of the store named with --store. bash with and without
# bash-completion's helpers; zsh (when installed) driven through zpty as a
# user pressing TAB.
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
comp=$top_srcdir/contrib/completion/sasl-oauth2.bash
t_record alice@example.net tok 3600
t_record relay@example.com tok 3600

# complete LINE - the completions of LINE (completing its last word; a
# trailing blank completes a new word), one line, sorted
complete_line() {
	bash -c '
		[ "$1" = with ] && [ -f /usr/share/bash-completion/bash_completion ] \
			&& . /usr/share/bash-completion/bash_completion
		. "$2"
		COMP_LINE=$3
		read -r -a COMP_WORDS <<<"$3"
		[ "${3: -1}" = " " ] && COMP_WORDS+=("")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		COMP_POINT=${#3}
		_sasl_oauth2 sasl-oauth2 "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | xargs
	' complete "$helpers" "$comp" "$1"
}

# the commands, as sasl-oauth2 --help lists them
cmds=$("$SO2_CLI" --help | awk '/^Commands:/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}' \
	| sort | xargs)
for w in connect doctor inspect login logout refresh status token; do
	t_contains " $cmds " " $w " "commands in --help"
done

for helpers in with without; do
	c=$SO2_CLI
	t_eq "$(complete_line "$c ")" "$cmds" "commands ($helpers bash-completion)"
	t_eq "$(complete_line "$c lo")" "login logout" "lo ($helpers)"
	got=$(complete_line "$c login --cl")
	t_eq "$got" "--client-id --client-secret-file --client-secret-stdin --cloud" "login --cl ($helpers)"
	t_eq "$(complete_line "$c login x --grant ")" "client-credentials code device" "--grant ($helpers)"
	t_eq "$(complete_line "$c login x --provider m")" "microsoft" "--provider ($helpers)"
	t_eq "$(complete_line "$c connect --tls ")" "implicit starttls" "connect --tls ($helpers)"
	t_contains "$(complete_line "$c doctor a --sm")" "--smtp=" "doctor --smtp= ($helpers)"
	t_eq "$(complete_line "$c --store $T/store token ")" "alice@example.net relay@example.com" \
		"accounts of token ($helpers)"
	t_eq "$(complete_line "$c --store $T/store status --json r")" "relay@example.com" \
		"accounts after an option ($helpers)"
	t_eq "$(complete_line "$c --store $T/store login --provider microsoft a")" "alice@example.net" \
		"account after an option's value ($helpers)"
	t_eq "$(complete_line "$c --store $T/store token alice@example.net ")" "" \
		"token takes one account ($helpers)"
	if [[ " $cmds " == *" postfix "* ]]; then	# a command with a subcommand
		t_eq "$(complete_line "$c postfix ")" "migrate" "postfix subcommand ($helpers)"
		t_contains "$(complete_line "$c postfix migrate --dry")" "--dry-run" "postfix migrate --dry"
	fi
	got=$(complete_line "$c --ver")
	t_eq "$got" "--verbose --version" "global options ($helpers)"
	t_eq "$(complete_line "$c status --n")" "--nagios" "status --n ($helpers)"
	t_eq "$(complete_line "$c status --pro")" "--prometheus" "status --pro ($helpers)"
	t_eq "$(complete_line "$c help lo")" "login logout" "help COMMAND ($helpers)"
done

command -v zsh >/dev/null || t_skip "zsh not installed (bash completion checked)"
zsh -n "$top_srcdir/contrib/completion/_sasl-oauth2" || t_fail "zsh -n _sasl-oauth2"
# capture.zsh DIR LINE - the matches zsh offers for LINE + TAB in an
# interactive zsh (zpty) with DIR in fpath; compadd prints them
cat >"$T/capture.zsh" <<'EOZ'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT='>' RPROMPT=''"
zpty -w z "fpath=($1 \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
	typeset -a __hits; builtin compadd -A __hits "$@"; local ret=$?
	(( $#__hits )) && print -r -l -- "H""IT:"${^__hits}
	return $ret
}'
zpty -w z 'finish() { print -r -- "<<E""ND>>"; exit }; comppostfuncs=(finish)'
zpty -n -w z "$2"$'\t'
local line
while zpty -r z line; do
	[[ $line == *'<<END>>'* ]] && break
	[[ $line == *HIT:* ]] && print -r -- "${line#*HIT:}"
done
zpty -d z
EOZ
zcomplete() {	# zcomplete LINE - zsh's matches, sorted, on one line
	PATH=$(dirname "$SO2_CLI"):$PATH timeout 30 zsh -f "$T/capture.zsh" \
		"$top_srcdir/contrib/completion" "$1" | tr -d '\r' | grep -v '^$' | sort | xargs
}
t_eq "$(zcomplete "sasl-oauth2 ")" "$cmds" "zsh: commands"
t_eq "$(zcomplete "sasl-oauth2 login --cl")" \
	"--client-id --client-secret-file --client-secret-stdin --cloud" "zsh: login --cl"
t_eq "$(zcomplete "sasl-oauth2 login x --grant ")" "client-credentials code device" "zsh: --grant"
t_eq "$(zcomplete "sasl-oauth2 connect --tls ")" "implicit starttls" "zsh: connect --tls"
t_eq "$(zcomplete "sasl-oauth2 --store $T/store token ")" "alice@example.net relay@example.com" \
	"zsh: accounts of token"
t_eq "$(zcomplete "sasl-oauth2 --store $T/store status --json r")" "relay@example.com" \
	"zsh: accounts after an option"
t_eq "$(zcomplete "sasl-oauth2 --ver")" "--verbose --version" "zsh: global options"
t_eq "$(zcomplete "sasl-oauth2 status --n")" "--nagios" "zsh: status --n"
t_eq "$(zcomplete "sasl-oauth2 help lo")" "login logout" "zsh: help COMMAND"
if [[ " $cmds " == *" postfix "* ]]; then
	t_eq "$(zcomplete "sasl-oauth2 postfix ")" "migrate" "zsh: postfix subcommand"
fi
echo "PASS: bash and zsh completion"
