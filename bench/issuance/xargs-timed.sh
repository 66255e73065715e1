#!/usr/bin/env bash
# Usage: xargs-timed.sh PARALLEL NAMES_FILE OUT_DIR COMMAND [ARGS...]
#
# What an operator's script does: `xargs -P PARALLEL` over a file of names, one COMMAND per
# name with every `{}` in its arguments replaced by the name. Added for the benchmark, and
# nothing else: each run is stamped with bash's $EPOCHREALTIME (no extra process) and
# appended to OUT_DIR/times as "name start end exit-status"; its output goes to
# OUT_DIR/logs/<name>.log. The last line printed is the CPU time of everything this script
# ran: bash's `times`, i.e. user and system time of all waited-for descendants.
set -u
parallel=$1 names=$2 out=$3
shift 3
mkdir -p "$out/logs"
: >"$out/times"
export OUT="$out"
# shellcheck disable=SC2016 # expanded by the inner bash, per name
xargs -a "$names" -P "$parallel" -I{} bash -c '
  name=$1; shift
  s=$EPOCHREALTIME
  "$@" >"$OUT/logs/$name.log" 2>&1
  rc=$?
  echo "$name $s $EPOCHREALTIME $rc" >>"$OUT/times"
' _ {} "$@"
times
