#!/usr/bin/env bash
# Runs a command with a time limit; on a hang, says where it hangs before stopping it.
#
#   scripts/watchdog.sh 900 swift test
#
# A test run that hangs would otherwise hold CI until its own limit and print nothing useful: the
# test process's output is block-buffered into a pipe, so its last lines never arrive. Here the
# command's output is line-buffered (stdbuf), and past the limit the script prints the process tree
# and, when gdb is installed, every thread's backtrace of each test bundle, then stops the command
# and exits 124.
set -uo pipefail

limit=$1
shift
stdbuf -oL -eL "$@" &
pid=$!
start=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
  if (( SECONDS - start >= limit )); then
    echo "watchdog: '$*' still running after ${limit} s; the processes, then where each test bundle waits:" >&2
    # Only this command's own processes, each line cut short (no kernel threads, no other programs' environments).
    ps -eo pid=,ppid=,stat=,etime=,args= | awk -v root="$pid" '
      { parent[$1] = $2; line[$1] = substr($0, 1, 240); order[NR] = $1 }
      END { for (i = 1; i <= NR; i++) { p = order[i]; q = p
              while (q != "" && q != root && q in parent && q != 1) q = parent[q]
              if (q == root) print line[p] } }' >&2 || true
    for bundle in $(pgrep -f '\.xctest' || true); do
      if command -v gdb >/dev/null; then
        echo "watchdog: threads of process $bundle" >&2
        gdb -batch -nx -ex "thread apply all bt 25" -p "$bundle" 2>&1 | grep -E '^(Thread|#)' >&2 || true
      fi
    done
    # The test bundles first: the runner then reports and exits, and a wrapper (with-postgres.sh)
    # removes what it started.
    pkill -KILL -f '\.xctest' 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -TERM "$pid" 2>/dev/null || true
    exit 124
  fi
  sleep 2
done
wait "$pid"
