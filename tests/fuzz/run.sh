#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh - run every built fuzz target for a while (make fuzz-run)
#
# usage: run.sh SRCDIR OUTDIR
#   Each OUTDIR/fuzz_NAME runs for FUZZ_SECONDS (default 60) on one core,
#   starting from its working corpus OUTDIR/corpus/NAME, which is seeded
#   from tests/fuzz/corpus/NAME the first time and keeps what libFuzzer
#   adds (so the next run starts where this one stopped; the seeds in the
#   sources stay as they are). tests/fuzz/NAME.dict is given when present.
#   Findings (crash-, leak-, timeout-, oom- files) go to OUTDIR/findings/.
# Environment: FUZZ_SECONDS, FUZZ_TARGETS (names without fuzz_, default all),
#   FUZZ_ARGS (more libFuzzer flags).
# Prints one line per target: executions, executions per second, corpus
# size, findings; exits 1 when a target found something.
set -u
src=${1:?usage: run.sh SRCDIR OUTDIR}
out=${2:?usage: run.sh SRCDIR OUTDIR}
secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-$(for f in "$out"/fuzz_*; do [ -x "$f" ] && basename "$f" | sed 's/^fuzz_//'; done)}
[ -n "$targets" ] || { echo "run.sh: no fuzz targets in $out: make fuzz first" >&2; exit 2; }

# max_len - the longest input worth trying, by target
max_len() {
	case $1 in
	mail) echo 40000 ;;	# past the 16 KB line cap
	loopback) echo 16384 ;;	# past the 12 KB request buffer
	redirect) echo 9000 ;;	# past SO2_REDIRECT_MAX
	conf) echo 8192 ;;	# past the 4 KB line cap
	*) echo 4096 ;;
	esac
}

mkdir -p "$out/findings" "$out/corpus" "$out/logs"
printf '%-12s %12s %10s %8s %9s\n' target executions exec/s corpus findings
bad=0
for t in $targets; do
	bin=$out/fuzz_$t
	[ -x "$bin" ] || { echo "run.sh: $bin not built" >&2; bad=1; continue; }
	work=$out/corpus/$t
	if [ ! -d "$work" ]; then
		mkdir -p "$work"
		[ -d "$src/tests/fuzz/corpus/$t" ] && cp "$src/tests/fuzz/corpus/$t"/* "$work"/
	fi
	dict=
	[ -f "$src/tests/fuzz/$t.dict" ] && dict=-dict=$src/tests/fuzz/$t.dict
	before=$(ls "$out/findings" | grep -c "^$t-" || true)
	log=$out/logs/$t.log
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/findings/$t-" $dict ${FUZZ_ARGS:-} "$work" > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	after=$(ls "$out/findings" | grep -c "^$t-" || true)
	found=$((after - before))
	[ $rc -eq 0 ] || [ $found -gt 0 ] || found="rc=$rc"
	printf '%-12s %12s %10s %8s %9s\n' "$t" "${runs:-?}" "${rate:-?}" \
		"$(ls "$work" | wc -l)" "$found"
	if [ "$found" != 0 ]; then
		bad=1
		echo "  see $log; reproduce: $bin $out/findings/$t-*" >&2
	fi
done
exit $bad
