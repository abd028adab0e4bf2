# Helpers for run.sh: bounded waits, processes started and stopped by PID, ground truth lines.
# Sourced, not run.

E2E_PIDS=()

log() { printf 'e2e %s  %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

now() { date +%s.%N; }

# wait_until SECONDS CMD...: polls CMD every 0.1 s, at most SECONDS; non-zero on timeout.
wait_until() {
  local limit=$1; shift
  local i
  for ((i = 0; i < limit * 10; i++)); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# start_bg NAME CMD...: runs CMD in the background with its output in $WORK/NAME.out; its PID
# is left in BG_PID and remembered for the cleanup.
start_bg() {
  local name=$1; shift
  "$@" >"$WORK/$name.out" 2>&1 &
  BG_PID=$!
  E2E_PIDS+=("$BG_PID")
  echo "$BG_PID" >"$WORK/$name.pid"
}

# stop_pid PID [SIGNAL]: signals one process we started and waits up to 10 s for it.
stop_pid() {
  local pid=$1 sig=${2:-TERM}
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    # A zombie child of this shell counts as gone once reaped.
    if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then wait "$pid" 2>/dev/null || true; return 0; fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# A port is open on ADDRESS:PORT (bash's /dev/tcp, no client needed).
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# truth FILE JSON: one line of ground truth.
truth() { printf '%s\n' "$2" >>"$1"; }

file_size() { stat -c %s "$1"; }
