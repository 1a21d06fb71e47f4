# SPDX-License-Identifier: MIT
# guide.sh - follow a guide's marked blocks as its reader would (sourced
# after common.sh; the guide's blocks are marked "guide-test: run" or
# "guide-test: file PATH", see tests/lib/guide-blocks.py)
# shellcheck shell=bash
#
#   t_guide_user          a throwaway normal user with a fresh, empty home
#                         (useradd -m; removed at exit): GUSER, GHOME
#   t_guide_path          $T/bin/sasl-oauth2 (the built command) first in
#                         GPATH, the PATH the reader's shell has
#   t_guide_follow GUIDE AS EDIT
#                         do GUIDE's blocks in page order as AS (GUSER or
#                         root): "file PATH" writes the block to PATH ("~"
#                         is AS's home; mode 0600, owned by AS), "postconf
#                         PATH" sets each "name = value" line of the block
#                         in the Postfix main.cf PATH (postconf -c DIR -e),
#                         "run" runs
#                         it with bash -e in AS's home with a clean
#                         environment (GPATH, GENV). Each block passes
#                         through the function EDIT first ("EDIT KIND ARG"
#                         reads the block, prints what is used): the place
#                         for the local stack's host names, ports and CA.
#                         "EDIT path PATH" prints where PATH is on this
#                         machine (nothing: PATH itself), for the admin
#                         guides' /etc and /var paths.
#                         A browser sign-in the block starts ("login --grant
#                         code") is completed by fetching the URL it prints,
#                         as the browser would. Output of block N in
#                         $T/guide/N.out; the test fails at the first block
#                         that fails, with its output.
#   GSTDIN                what the "run" blocks read (default /dev/null:
#                         a secret typed at a prompt)
#   GENV                  more VAR=VALUE words for the reader's environment
#                         (an array; the SASL module's place, as an installed
#                         libsasl2 would have it)

GENV=()
GSTDIN=/dev/null
t_guide_users=0

# t_guide_user - a normal user with a fresh home under $T, removed at exit
t_guide_user() {
	command -v useradd >/dev/null || t_skip "useradd not installed"
	t_guide_users=$((t_guide_users + 1))
	GUSER=so2g$$u$t_guide_users
	GHOME=$T/home-$GUSER
	useradd -m -d "$GHOME" -s /bin/bash -K UMASK=077 "$GUSER" \
		|| t_fail "useradd $GUSER failed"
	t_on_exit "userdel -f $GUSER 2>/dev/null"
	export GUSER GHOME
}

# t_guide_path - the built command as "sasl-oauth2" on the reader's PATH
t_guide_path() {
	mkdir -p "$T/bin"
	ln -sf "$(realpath "$SO2_CLI")" "$T/bin/sasl-oauth2" \
		|| t_fail "the built command is missing: $SO2_CLI"
	chmod 755 "$T/bin"
	GPATH=$T/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
}

# t_guide_home AS - the home of AS
t_guide_home() {
	if [ "$1" = root ]; then echo /root; else echo "$GHOME"; fi
}

# t_guide_sh AS SCRIPT OUT - run SCRIPT with bash -e as AS; output in OUT;
#	plays the browser for a code login; returns the script's status
t_guide_sh() {
	local as=$1 script=$2 out=$3 home pid i url= opened=
	home=$(t_guide_home "$as")
	: > "$out"
	[ "$as" = root ] || chown "$as" "$out"
	if [ "$as" = root ]; then
		(cd "$home" && env -i HOME="$home" USER=root LOGNAME=root PATH="$GPATH" \
			"${GENV[@]}" bash -e -c "$script" <"$GSTDIN" >"$out" 2>&1) &
	else
		(cd "$home" && runuser -u "$as" -- env -i HOME="$home" USER="$as" \
			LOGNAME="$as" PATH="$GPATH" "${GENV[@]}" \
			bash -e -c "$script" <"$GSTDIN" >"$out" 2>&1) &
	fi
	pid=$!
	for i in $(seq 1 1200); do
		kill -0 $pid 2>/dev/null || break
		if [ -z "$opened" ]; then
			url=$(grep -m1 '^https://.*/authorize?' "$out")
			if [ -n "$url" ]; then
				curl -s --cacert "$CA" -L -o "$out.browser" "$url" || true
				opened=y
			fi
		fi
		sleep 0.1
	done
	if kill -0 $pid 2>/dev/null; then
		kill $pid 2>/dev/null
		echo "(no end after 120 s: stopped)" >> "$out"
	fi
	wait $pid
}

# t_guide_follow GUIDE AS EDIT - do GUIDE's blocks in order as AS
t_guide_follow() {
	local guide=$1 as=$2 edit=$3 dir=$T/guide n kind arg home path text rc
	rm -rf "$dir"
	mkdir -p "$dir"
	python3 "$top_srcdir/tests/lib/guide-blocks.py" "$guide" "$dir" \
		|| t_fail "$guide: its blocks could not be read"
	home=$(t_guide_home "$as")
	while read -r n kind arg; do
		text=$("$edit" "$kind" "$arg" < "$dir/$n") || t_fail "$guide: block $n: $edit failed"
		path=$("$edit" path "$arg" </dev/null)
		[ -n "$path" ] || path=${arg/#\~/$home}
		case $kind in
		postconf)
			printf '%s\n' "$text" | grep -v -E '^[[:space:]]*(#|$)' | while read -r line; do
				postconf -c "$(dirname "$path")" -e "$line" \
					|| t_fail "$guide: block $n: postconf -e '$line'"
			done || exit 1
			;;
		file)
			if [ "$as" = root ]; then
				mkdir -p "$(dirname "$path")"
				printf '%s\n' "$text" > "$path"
			else
				runuser -u "$as" -- mkdir -p "$(dirname "$path")"
				printf '%s\n' "$text" | runuser -u "$as" -- sh -c 'umask 077; cat > "$1"' \
					sh "$path"
			fi || t_fail "$guide: block $n: cannot write $path"
			chmod 600 "$path"
			;;
		run)
			rc=0
			t_guide_sh "$as" "$text" "$dir/$n.out" || rc=$?
			if [ $rc -ne 0 ]; then
				printf '%s\n' "--- $guide, block $n, as $as:" "$text" "--- output:" >&2
				cat "$dir/$n.out" >&2
				t_fail "$guide: block $n failed (exit $rc)"
			fi
			;;
		*) t_fail "$guide: block $n: unknown kind $kind" ;;
		esac
	done < "$dir/list"
}
