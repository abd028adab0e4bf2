#!/usr/bin/env bash
# flowlink's end-to-end proof on real daemons (test/e2e/README.md): Debian's pure-ftpd, vsftpd,
# proftpd, postfix and rsyslog make the traffic and the logs on loopback, tcpdump and argus
# record the flows, and explain.test.ts checks flowlink's answers against the ground truth
# written here.
#
#   bash test/e2e/run.sh            # install, capture every scenario, run the checks
#   FLOWLINK_E2E_DIR=/tmp/x ...     # keep the captures and logs there (default: a temp dir)
#   FLOWLINK_E2E_SCENARIOS="s1 s4"  # a subset
#
# Needs root and apt (it installs packages and starts daemons). Without them, or when the
# install fails, it says so and exits 0 locally, 1 in CI (CI=true).
set -euo pipefail
# One compound command, read whole before it runs: editing this file mid-run cannot derail it.
{
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

T0=$(date +%s)
OUT=${FLOWLINK_E2E_DIR:-$(mktemp -d /tmp/flowlink-e2e.XXXXXX)}
mkdir -p "$OUT"
# mktemp makes it 0700: the daemons drop to their own users (postfix, nobody, the FTP user)
# and must be able to walk into their folders below it.
chmod 755 "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/daemons
SCENARIOS=${FLOWLINK_E2E_SCENARIOS:-"s1 s2 s3 s4 s5 s6"}

cannot_run() {
  if [ "${CI:-}" = true ]; then
    echo "e2e: FAILED: $1 (CI needs the real daemons)" >&2
    exit 1
  fi
  echo "e2e: skipped: $1" >&2
  exit 0
}

# ---- addresses: each role its own loopback host, so host matching is real ----
FTP_HOST=127.0.0.10     # pure-ftpd and postfix: "the ftpd host"
VS_HOST=127.0.0.11      # vsftpd
PRO_HOST=127.0.0.12     # proftpd
CLIENT=127.0.0.20       # the backup client: the big transfers, and some web browsing
LISTER=127.0.0.21       # background FTP logins with listings
MAILER=127.0.0.22       # background mail
BURSTER=127.0.0.23      # the mail burst
WEB_HOST=127.0.0.30     # background web server
WEB_PORT=8080
CAPTURE_FILTER="host $FTP_HOST or host $VS_HOST or host $PRO_HOST or host $CLIENT or host $LISTER or host $MAILER or host $BURSTER or host $WEB_HOST"

FTP_USER=backup FTP_PASS=e2e-backup-pw
LIST_USER=lister LIST_PASS=e2e-lister-pw
VS_USER=fle2ebackup VS_PASS=e2e-vsftpd-pw

# ---- install ----
[ "$(id -u)" = 0 ] || cannot_run "needs root (installs packages, binds port 21, captures on lo)"
command -v apt-get >/dev/null 2>&1 || cannot_run "needs apt-get"

install_packages() {
  log "installing Debian packages"
  printf '%s\n' 'postfix postfix/main_mailer_type select Local only' \
    'postfix postfix/mailname string e2e.flowlink.test' | debconf-set-selections
  # Daemons must not start as services on install: this script starts its own.
  local made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  local rc=0
  # pure-ftpd, proftpd and vsftpd conflict (all provide ftp-server): vsftpd is installed,
  # pure-ftpd's and proftpd-core's packages are unpacked into the run's folder with their
  # libraries installed.
  local packages=(vsftpd postfix rsyslog lftp swaks tcpdump argus-server argus-client openssl libsodium23 libcap2 libcrypt1 libpam0g libssl3
    libacl1 libhiredis0.14 libidn2-0 libmemcached11 libmemcachedutil2 libncursesw6 libpcre2-8-0 libpcre2-posix3 libtinfo6 zlib1g)
  : >"$OUT/apt.log"
  if ! dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep -vq '^install ok installed$' &&
    [ "$(dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | wc -l)" = "${#packages[@]}" ]; then
    log "packages already installed"
  else
    apt-get update -qq >>"$OUT/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >>"$OUT/apt.log" 2>&1 || rc=$?
  fi
  if [ "$rc" = 0 ]; then
    mkdir -p "$WORK/pure-ftpd-deb"
    (cd "$WORK/pure-ftpd-deb" && apt-get download pure-ftpd >>"$OUT/apt.log" 2>&1 &&
      dpkg-deb -x pure-ftpd_*.deb root) || rc=$?
  fi
  if [ "$rc" = 0 ]; then
    mkdir -p "$WORK/proftpd-deb"
    (cd "$WORK/proftpd-deb" && rm -f proftpd-core_*.deb && apt-get download proftpd-core >>"$OUT/apt.log" 2>&1 &&
      dpkg-deb -x proftpd-core_*.deb root) || rc=$?
  fi
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  return "$rc"
}
mkdir -p "$WORK"
install_packages || cannot_run "apt-get install failed (no package network?); see $OUT/apt.log"
PURE_FTPD=$WORK/pure-ftpd-deb/root/usr/sbin/pure-ftpd
PURE_PW=$WORK/pure-ftpd-deb/root/usr/bin/pure-pw
PROFTPD=$WORK/proftpd-deb/root/usr/sbin/proftpd
for tool in vsftpd postfix rsyslogd lftp swaks tcpdump argus ra openssl "$PURE_FTPD" "$PURE_PW" "$PROFTPD"; do
  command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool missing after install"
done
VERSIONS="pure-ftpd $(dpkg-deb -f "$WORK"/pure-ftpd-deb/pure-ftpd_*.deb Version), proftpd-core $(dpkg-deb -f "$WORK"/proftpd-deb/proftpd-core_*.deb Version)"
for pkg in vsftpd postfix rsyslog lftp swaks tcpdump argus-server argus-client; do
  VERSIONS="$VERSIONS, $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
done
log "versions: $VERSIONS"
T_INSTALLED=$(date +%s)

if [ "${FLOWLINK_E2E_NO_BUILD:-}" != 1 ]; then
  log "building flowlink"
  (cd "$ROOT" && npx tsc -p tsconfig.json)
fi

# ---- daemons ----
MADE_DEVLOG=
MADE_USER=
cleanup() {
  local rc=$?
  set +e
  [ -n "${TCPDUMP_PID:-}" ] && stop_pid "$TCPDUMP_PID" INT
  [ -n "${NOISE_PID:-}" ] && stop_pid "$NOISE_PID"
  [ -f "$WORK/postfix/etc/main.cf" ] && [ -f "$WORK/postfix/spool/pid/master.pid" ] &&
    postfix -c "$WORK/postfix/etc" stop >/dev/null 2>&1
  local i
  for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${E2E_PIDS[$i]}"; done
  [ -f "$WORK/pure-ftpd.pid" ] && stop_pid "$(cat "$WORK/pure-ftpd.pid")"
  [ -f "$WORK/proftpd.pid" ] && stop_pid "$(cat "$WORK/proftpd.pid")"
  [ -f "$WORK/rsyslog.pid" ] && stop_pid "$(cat "$WORK/rsyslog.pid")"
  [ -n "$MADE_DEVLOG" ] && [ -S /dev/log ] && rm -f /dev/log
  [ -n "$MADE_USER" ] && userdel "$VS_USER" >/dev/null 2>&1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fill() { # fill TEMPLATE OUTPUT KEY=VALUE...
  local template=$1 out=$2; shift 2
  local args=() kv
  for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${args[@]}" "$template" >"$out"
}

LOGS=$WORK/logs
mkdir -p "$LOGS"

start_rsyslog() {
  if [ -e /dev/log ]; then
    # Another syslog daemon owns /dev/log: its files are not ours to read or move.
    cannot_run "/dev/log is in use by another program; the suite needs its own syslog receiver there"
  fi
  fill "$HERE/conf/rsyslog.conf.in" "$WORK/rsyslog.conf" "WORK=$WORK" "LOGS=$LOGS"
  rsyslogd -N1 -f "$WORK/rsyslog.conf" >"$WORK/rsyslog-check.out" 2>&1 || { cat "$WORK/rsyslog-check.out" >&2; exit 1; }
  MADE_DEVLOG=1
  rsyslogd -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog.pid"
  wait_until 10 test -S /dev/log -a -s "$WORK/rsyslog.pid" || { echo "e2e: rsyslogd did not open /dev/log" >&2; exit 1; }
  logger -p ftp.info -t e2e "rsyslog up"
  wait_until 10 grep -q 'rsyslog up' "$LOGS/ftp.log" || { echo "e2e: rsyslogd writes no ftp.log" >&2; exit 1; }
}

# Moves the host's logs into a scenario's folder; rsyslog reopens fresh files on HUP.
take_logs() {
  local dest=$1
  sleep 1.5 # postfix's qmgr and rsyslog finish writing the last lines
  mkdir -p "$dest"
  local f
  for f in ftp.log mail.log messages.rfc3339; do
    if [ -f "$LOGS/$f" ]; then mv "$LOGS/$f" "$dest/$f"; else : >"$dest/$f"; fi
  done
  # pure-ftpd keeps its transfer log open and seeks to the end before each line: copied, then
  # truncated in place (logrotate's copytruncate).
  if [ -f "$LOGS/transfer.log" ]; then cp "$LOGS/transfer.log" "$dest/transfer.log" && : >"$LOGS/transfer.log"; fi
  kill -HUP "$(cat "$WORK/rsyslog.pid")"
  sleep 0.5
}

start_pure_ftpd() {
  mkdir -p "$WORK/pure-root"
  rm -f "$WORK/pureftpd.passwd" "$WORK/pureftpd.pdb"
  chown nobody:nogroup "$WORK/pure-root"
  # -t: the server paces this user's downloads (KB/s). Pacing them at the receiver instead
  # (lftp's limit) fills the loopback receive buffer until the kernel prunes it, and the
  # retransmitted megabyte makes the flow 5% larger than the file.
  printf '%s\n%s\n' "$FTP_PASS" "$FTP_PASS" | "$PURE_PW" useradd "$FTP_USER" -u nobody -g nogroup \
    -d "$WORK/pure-root" -f "$WORK/pureftpd.passwd" -t 3072 >/dev/null
  printf '%s\n%s\n' "$LIST_PASS" "$LIST_PASS" | "$PURE_PW" useradd "$LIST_USER" -u nobody -g nogroup \
    -d "$WORK/pure-root" -f "$WORK/pureftpd.passwd" >/dev/null
  "$PURE_PW" mkdb "$WORK/pureftpd.pdb" -f "$WORK/pureftpd.passwd"
  # -H: no reverse DNS, -E: no anonymous, -f ftp: syslog facility, -B: daemon, -g: its pid;
  # -O: the transfer log as Debian's pure-ftpd-common configures it (AltLog clf).
  "$PURE_FTPD" -S "$FTP_HOST,21" -l "puredb:$WORK/pureftpd.pdb" -E -H -f ftp -p 30000:30099 \
    -g "$WORK/pure-ftpd.pid" -B -O "clf:$LOGS/transfer.log"
  wait_until 10 port_open "$FTP_HOST" 21 || { echo "e2e: pure-ftpd is not listening on $FTP_HOST:21" >&2; exit 1; }
}

start_postfix() {
  local d=$WORK/postfix
  mkdir -p "$d/etc" "$d/spool" "$d/data"
  chown postfix "$d/data"
  fill "$HERE/conf/postfix-main.cf.in" "$d/etc/main.cf" "WORK=$d"
  fill "$HERE/conf/postfix-master.cf.in" "$d/etc/master.cf" "SERVER=$FTP_HOST"
  postfix -c "$d/etc" set-permissions >/dev/null 2>&1 || true
  postfix -c "$d/etc" start >/dev/null 2>&1 || { echo "e2e: postfix did not start; see $LOGS/mail.log" >&2; exit 1; }
  wait_until 20 port_open "$FTP_HOST" 25 || { echo "e2e: postfix is not listening on $FTP_HOST:25" >&2; exit 1; }
}

start_web() {
  mkdir -p "$WORK"
  start_bg web node "$HERE/http-noise-server.mjs" "$WEB_HOST" "$WEB_PORT"
  wait_until 10 port_open "$WEB_HOST" "$WEB_PORT" || { echo "e2e: web server did not start" >&2; exit 1; }
}

start_vsftpd() { # LOGDIR [EXTRA-CONFIG-LINE...]
  local logs=$1; shift
  mkdir -p "$WORK/vsftpd-empty" "$WORK/vsftpd-root"
  if ! id "$VS_USER" >/dev/null 2>&1; then
    useradd -M -d "$WORK/vsftpd-root" -s /bin/sh "$VS_USER"
    MADE_USER=1
  fi
  echo "$VS_USER:$VS_PASS" | chpasswd
  chown "$VS_USER" "$WORK/vsftpd-root"
  fill "$HERE/conf/vsftpd.conf.in" "$WORK/vsftpd.conf" "SERVER=$VS_HOST" "LOGS=$logs" "WORK=$WORK/vsftpd"
  local line
  for line in "$@"; do echo "$line" >>"$WORK/vsftpd.conf"; done
  mkdir -p "$WORK/vsftpd/empty"
  start_bg vsftpd vsftpd "$WORK/vsftpd.conf"
  VSFTPD_PID=$BG_PID
  wait_until 10 port_open "$VS_HOST" 21 || { echo "e2e: vsftpd is not listening on $VS_HOST:21" >&2; cat "$WORK/vsftpd.out" >&2; exit 1; }
}

# proftpd as a daemon (its PidFile names the master, stopped by that PID), users from its own
# AuthUserFile (crypt hashes, uid nobody) chrooted to one folder, TransferLog into LOGDIR.
start_proftpd() { # LOGDIR
  local logs=$1
  mkdir -p "$WORK/proftpd-root" "$logs"
  chown nobody:nogroup "$WORK/proftpd-root"
  local uid gid
  uid=$(id -u nobody) gid=$(getent group nogroup | cut -d: -f3)
  {
    printf '%s:%s:%s:%s::%s:/bin/false\n' "$FTP_USER" "$(openssl passwd -6 "$FTP_PASS")" "$uid" "$gid" "$WORK/proftpd-root"
    printf '%s:%s:%s:%s::%s:/bin/false\n' "$LIST_USER" "$(openssl passwd -6 "$LIST_PASS")" "$uid" "$gid" "$WORK/proftpd-root"
  } >"$WORK/ftpd.passwd"
  printf 'nogroup:x:%s:\n' "$gid" >"$WORK/ftpd.group"
  # Private: they hold the password hashes.
  chmod 600 "$WORK/ftpd.passwd" "$WORK/ftpd.group"
  rm -f "$WORK/proftpd.pid"
  fill "$HERE/conf/proftpd.conf.in" "$WORK/proftpd.conf" "SERVER=$PRO_HOST" "LOGS=$logs" "WORK=$WORK" "RETR_RATE=3072"
  "$PROFTPD" -c "$WORK/proftpd.conf" -d 1 >"$WORK/proftpd.out" 2>&1 || { echo "e2e: proftpd did not start" >&2; cat "$WORK/proftpd.out" >&2; exit 1; }
  wait_until 10 port_open "$PRO_HOST" 21 || { echo "e2e: proftpd is not listening on $PRO_HOST:21" >&2; cat "$WORK/proftpd.out" >&2; exit 1; }
  wait_until 10 test -s "$WORK/proftpd.pid" || { echo "e2e: proftpd wrote no pid file" >&2; exit 1; }
}

stop_proftpd() {
  [ -f "$WORK/proftpd.pid" ] && stop_pid "$(cat "$WORK/proftpd.pid")"
  rm -f "$WORK/proftpd.pid"
}

# ---- capture ----
start_capture() {
  local dir=$1
  # Headers only (-s 256), as sensors often keep them, and a large buffer (-B, KiB): at
  # loopback speed the kernel drops packets otherwise, and argus then undercounts.
  start_bg tcpdump tcpdump -i lo -n -U -s 256 -B 65536 -w "$dir/capture.pcap" "$CAPTURE_FILTER"
  TCPDUMP_PID=$BG_PID
  wait_until 10 grep -q 'listening on' "$WORK/tcpdump.out" || { echo "e2e: tcpdump did not start" >&2; cat "$WORK/tcpdump.out" >&2; exit 1; }
}

stop_capture() {
  local dir=$1
  sleep 1
  stop_pid "$TCPDUMP_PID" INT
  TCPDUMP_PID=
  local dropped
  dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$WORK/tcpdump.out")
  truth "$dir/truth.jsonl" "{\"type\":\"capture\",\"droppedByKernel\":${dropped:-null}}"
  # Flows as a sensor would keep them: argus with payload bytes (-A), then ra's text and CSV.
  argus -X -P 0 -A -r "$dir/capture.pcap" -w "$dir/flows.argus"
  local fields=(-s stime ltime flgs proto saddr sport dir daddr dport pkts bytes state)
  ra -X -nn -L0 -r "$dir/flows.argus" "${fields[@]}" >"$dir/ra.txt"
  ra -X -nn -L0 -c , -r "$dir/flows.argus" "${fields[@]}" >"$dir/ra.csv"
}

# ---- background noise: web requests, FTP listings, a few mails ----
# Runs until stop_noise (its stop file), at most NOISE_MAX_TICKS ticks of about a second.
NOISE_MAX_TICKS=400
noise() {
  local truthfile=$1 ftp_host=$2 ftp_user=$3 ftp_pass=$4
  local i size t0 t1
  for ((i = 1; i <= NOISE_MAX_TICKS; i++)); do
    [ -e "$WORK/noise.stop" ] && break
    size=$(( (RANDOM % 40 + 1) * 4096 ))
    t0=$(now)
    curl -sS -o /dev/null --max-time 10 --interface "$CLIENT" "http://$WEB_HOST:$WEB_PORT/bytes/$size" || true
    t1=$(now)
    truth "$truthfile" "{\"type\":\"background\",\"kind\":\"http\",\"client\":\"$CLIENT\",\"server\":\"$WEB_HOST\",\"port\":$WEB_PORT,\"bytes\":$size,\"start\":$t0,\"end\":$t1}"
    if ((i % 7 == 3)); then
      t0=$(now)
      curl -sS -o /dev/null --max-time 10 --interface "$LISTER" --list-only "ftp://$ftp_user:$ftp_pass@$ftp_host/" || true
      t1=$(now)
      truth "$truthfile" "{\"type\":\"background\",\"kind\":\"ftp-listing\",\"client\":\"$LISTER\",\"server\":\"$ftp_host\",\"port\":21,\"start\":$t0,\"end\":$t1}"
    fi
    if ((i % 11 == 5)); then
      t0=$(now)
      swaks --silent 3 --timeout 10 --server "$FTP_HOST:25" --local-interface "$MAILER" \
        --from "noise-$i@office.e2e.test" --to "ops@e2e.flowlink.test" --header "Subject: status $i" \
        --body "all quiet at tick $i" >/dev/null 2>&1 || true
      t1=$(now)
      truth "$truthfile" "{\"type\":\"background\",\"kind\":\"mail\",\"client\":\"$MAILER\",\"server\":\"$FTP_HOST\",\"port\":25,\"from\":\"noise-$i@office.e2e.test\",\"start\":$t0,\"end\":$t1}"
    fi
    sleep 0.7
  done
}

start_noise() { rm -f "$WORK/noise.stop"; noise "$@" & NOISE_PID=$!; }
# stop_noise TAIL: TAIL more seconds of background alone (the baseline after the spike), then stop.
stop_noise() {
  sleep "$1"
  touch "$WORK/noise.stop"
  [ -n "${NOISE_PID:-}" ] && wait "$NOISE_PID" 2>/dev/null || true
  NOISE_PID=
}

make_file() { head -c "$2" /dev/urandom >"$1"; }

# lftp_transfer HOST USER PASS MODE(passive|active) CMD RATE: one FTP session from $CLIENT.
lftp_transfer() {
  local host=$1 user=$2 pass=$3 mode=$4 cmd=$5 rate=$6
  local pasv=true
  [ "$mode" = active ] && pasv=false
  timeout 120 lftp -u "$user,$pass" -e "set net:socket-bind-ipv4 $CLIENT; set ftp:passive-mode $pasv; set net:limit-rate $rate; set net:max-retries 1; set net:timeout 20; $cmd; bye" "$host" >/dev/null
}

scenario_header() { # DIR NAME RULE SERVER
  rm -rf "$1"
  mkdir -p "$1"
  truth "$1/truth.jsonl" "{\"type\":\"scenario\",\"name\":\"$2\",\"rule\":\"$3\",\"server\":\"$4\",\"client\":\"$CLIENT\",\"versions\":\"$VERSIONS\",\"start\":$(now)}"
}

scenario_footer() { truth "$1/truth.jsonl" "{\"type\":\"end\",\"end\":$(now)}"; }

# ---- scenarios ----

# 1 and 5: passive uploads to pure-ftpd among noise; its log in both rsyslog formats.
s1() {
  local dir=$OUT/s1-pure-ftpd-passive-upload
  scenario_header "$dir" "pure-ftpd passive uploads" ftp_upload "$FTP_HOST"
  local src=$WORK/client-files
  mkdir -p "$src"
  start_capture "$dir"
  start_noise "$dir/truth.jsonl" "$FTP_HOST" "$LIST_USER" "$LIST_PASS"
  sleep 30 # background alone first: the baseline before the spike
  local n size t0 t1 name
  for n in 1 2 3; do
    name=db-dump-$n.tar
    size=$(( (8 + 6 * n) * 1048576 + n * 4099 ))
    make_file "$src/$name" "$size"
    t0=$(now)
    lftp_transfer "$FTP_HOST" "$FTP_USER" "$FTP_PASS" passive "put $src/$name -o $name" 0:3M
    t1=$(now)
    truth "$dir/truth.jsonl" "{\"type\":\"transfer\",\"direction\":\"upload\",\"mode\":\"passive\",\"user\":\"$FTP_USER\",\"client\":\"$CLIENT\",\"server\":\"$FTP_HOST\",\"name\":\"$name\",\"serverPath\":\"$WORK/pure-root/$name\",\"bytes\":$(file_size "$WORK/pure-root/$name"),\"start\":$t0,\"end\":$t1}"
    sleep 3
  done
  stop_noise 25
  stop_capture "$dir"
  take_logs "$dir/logs"
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"traditional","files":["logs/ftp.log","logs/mail.log"]}'
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"rfc3339","files":["logs/messages.rfc3339"]}'
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"transfer.log (clf)","files":["logs/transfer.log"],"formats":{"logs/transfer.log":"pure-ftpd-altlog"}}'
  scenario_footer "$dir"
}

# 2: the same through vsftpd, explained from vsftpd.log and from its xferlog.
s2() {
  local dir=$OUT/s2-vsftpd-passive-upload
  scenario_header "$dir" "vsftpd passive uploads" ftp_upload "$VS_HOST"
  mkdir -p "$dir/logs"
  start_vsftpd "$dir/logs"
  local src=$WORK/client-files
  mkdir -p "$src"
  start_capture "$dir"
  start_noise "$dir/truth.jsonl" "$VS_HOST" "$VS_USER" "$VS_PASS"
  sleep 25 # background alone first: the baseline before the spike
  local n size t0 t1 name
  for n in 1 2 3; do
    name=photos-$n.tar
    size=$(( (10 + 5 * n) * 1048576 + n * 3001 ))
    make_file "$src/$name" "$size"
    t0=$(now)
    lftp_transfer "$VS_HOST" "$VS_USER" "$VS_PASS" passive "put $src/$name -o $name" 0:3M
    t1=$(now)
    truth "$dir/truth.jsonl" "{\"type\":\"transfer\",\"direction\":\"upload\",\"mode\":\"passive\",\"user\":\"$VS_USER\",\"client\":\"$CLIENT\",\"server\":\"$VS_HOST\",\"name\":\"$name\",\"serverPath\":\"$WORK/vsftpd-root/$name\",\"bytes\":$(file_size "$WORK/vsftpd-root/$name"),\"start\":$t0,\"end\":$t1}"
    sleep 3
  done
  stop_noise 20
  stop_capture "$dir"
  stop_pid "$VSFTPD_PID"
  take_logs "$dir/host-logs"
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"vsftpd.log","files":["logs/vsftpd.log"]}'
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"xferlog","files":["logs/xferlog"]}'
  scenario_footer "$dir"
}

# 3: active-mode downloads from pure-ftpd: the server opens the data connection from port 20.
s3() {
  local dir=$OUT/s3-pure-ftpd-active-download
  scenario_header "$dir" "pure-ftpd active downloads" ftp_download "$FTP_HOST"
  local dst=$WORK/client-downloads
  mkdir -p "$dst"
  local n size name
  for n in 1 2; do
    name=release-$n.iso
    size=$(( (12 + 8 * n) * 1048576 + n * 777 ))
    make_file "$WORK/pure-root/$name" "$size"
    chown nobody:nogroup "$WORK/pure-root/$name"
  done
  start_capture "$dir"
  start_noise "$dir/truth.jsonl" "$FTP_HOST" "$LIST_USER" "$LIST_PASS"
  sleep 25 # background alone first: the baseline before the spike
  local t0 t1
  for n in 1 2; do
    name=release-$n.iso
    t0=$(now)
    lftp_transfer "$FTP_HOST" "$FTP_USER" "$FTP_PASS" active "get $name -o $dst/$name" 0:0
    t1=$(now)
    cmp -s "$WORK/pure-root/$name" "$dst/$name" || { echo "e2e: $name arrived damaged" >&2; exit 1; }
    truth "$dir/truth.jsonl" "{\"type\":\"transfer\",\"direction\":\"download\",\"mode\":\"active\",\"user\":\"$FTP_USER\",\"client\":\"$CLIENT\",\"server\":\"$FTP_HOST\",\"name\":\"$name\",\"serverPath\":\"$WORK/pure-root/$name\",\"bytes\":$(file_size "$WORK/pure-root/$name"),\"start\":$t0,\"end\":$t1}"
    sleep 3
  done
  stop_noise 20
  stop_capture "$dir"
  take_logs "$dir/logs"
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"traditional","files":["logs/ftp.log","logs/mail.log"]}'
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"rfc3339","files":["logs/messages.rfc3339"]}'
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"transfer.log (clf)","files":["logs/transfer.log"],"formats":{"logs/transfer.log":"pure-ftpd-altlog"}}'
  scenario_footer "$dir"
}

# 4: a burst of mail with attachments through postfix, one SMTP connection a message.
s4() {
  local dir=$OUT/s4-postfix-mail-burst
  scenario_header "$dir" "postfix mail burst" smtp_in "$FTP_HOST"
  local src=$WORK/attachments
  mkdir -p "$src"
  start_capture "$dir"
  start_noise "$dir/truth.jsonl" "$FTP_HOST" "$LIST_USER" "$LIST_PASS"
  sleep 20 # background alone first: the baseline before the spike
  local n size t0 t1 from burst_start
  burst_start=$(now)
  for ((n = 1; n <= 12; n++)); do
    # Sizes 15% apart (60-300 KB), in shuffled order, so no two messages are alike; messages
    # of 600 KB and more made smtpd's loopback receive queue overflow and retransmit (README).
    size=$(awk -v k=$(( (n * 5) % 12 )) 'BEGIN { printf "%d", 60000 * 1.157 ^ k }')
    make_file "$src/scan-$n.pdf" "$size"
    from="scanner-$n@branch.e2e.test"
    t0=$(now)
    swaks --silent 3 --timeout 20 --server "$FTP_HOST:25" --local-interface "$BURSTER" \
      --from "$from" --to "archive@e2e.flowlink.test" --header "Subject: scan $n" \
      --attach-type application/pdf --attach "@$src/scan-$n.pdf" >/dev/null
    t1=$(now)
    truth "$dir/truth.jsonl" "{\"type\":\"mail\",\"from\":\"$from\",\"client\":\"$BURSTER\",\"server\":\"$FTP_HOST\",\"attachment\":$size,\"start\":$t0,\"end\":$t1}"
    sleep 0.3
  done
  truth "$dir/truth.jsonl" "{\"type\":\"window\",\"from\":$burst_start,\"to\":$(now)}"
  stop_noise 8
  stop_capture "$dir"
  take_logs "$dir/logs"
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"traditional","files":["logs/mail.log"]}'
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"rfc3339","files":["logs/messages.rfc3339"]}'
  scenario_footer "$dir"
}

# 5 (and 2): vsftpd logging through syslog (syslog_enable=YES) into the host's rsyslog files;
# file names with spaces, as vsftpd logs them there. And on an IPv6 socket that takes IPv4
# clients, as Debian's default vsftpd.conf runs it (listen_ipv6=YES; bound to the mapped
# server address to stay on it): vsftpd then logs the client as ::ffff:127.0.0.20 while the
# packets are plain IPv4.
s5() {
  local dir=$OUT/s5-vsftpd-syslog-upload
  scenario_header "$dir" "vsftpd through syslog on a dual-stack socket, uploads" ftp_upload "$VS_HOST"
  mkdir -p "$dir/vsftpd-logs"
  start_vsftpd "$dir/vsftpd-logs" syslog_enable=YES listen=NO listen_ipv6=YES "listen_address6=::ffff:$VS_HOST"
  local src=$WORK/client-files
  mkdir -p "$src"
  start_capture "$dir"
  start_noise "$dir/truth.jsonl" "$VS_HOST" "$VS_USER" "$VS_PASS"
  sleep 25 # background alone first: the baseline before the spike
  local n size t0 t1 name
  for n in 1 2; do
    name="site backup $n.tgz"
    size=$(( (16 + 6 * n) * 1048576 + n * 1234 ))
    make_file "$src/$name" "$size"
    t0=$(now)
    lftp_transfer "$VS_HOST" "$VS_USER" "$VS_PASS" passive "put \"$src/$name\" -o \"$name\"" 0:3M
    t1=$(now)
    truth "$dir/truth.jsonl" "{\"type\":\"transfer\",\"direction\":\"upload\",\"mode\":\"passive\",\"user\":\"$VS_USER\",\"client\":\"$CLIENT\",\"logClient\":\"::ffff:$CLIENT\",\"server\":\"$VS_HOST\",\"name\":\"$name\",\"serverPath\":\"$WORK/vsftpd-root/$name\",\"bytes\":$(file_size "$WORK/vsftpd-root/$name"),\"start\":$t0,\"end\":$t1}"
    sleep 3
  done
  stop_noise 20
  stop_capture "$dir"
  stop_pid "$VSFTPD_PID"
  take_logs "$dir/logs"
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"traditional","files":["logs/ftp.log"]}'
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"rfc3339","files":["logs/messages.rfc3339"]}'
  scenario_footer "$dir"
}

# 6: proftpd, passive uploads and one active download (the server connects from port 20),
# explained from its TransferLog (xferlog) with its syslog lines in both rsyslog formats.
s6() {
  local dir=$OUT/s6-proftpd-xferlog
  scenario_header "$dir" "proftpd passive uploads and an active download" ftp_upload "$PRO_HOST"
  start_proftpd "$dir/logs"
  local src=$WORK/client-files dst=$WORK/client-downloads
  mkdir -p "$src" "$dst"
  local n size t0 t1 name
  name=mirror-1.iso
  make_file "$WORK/proftpd-root/$name" $(( 20 * 1048576 + 4321 ))
  chown nobody:nogroup "$WORK/proftpd-root/$name"
  start_capture "$dir"
  start_noise "$dir/truth.jsonl" "$PRO_HOST" "$LIST_USER" "$LIST_PASS"
  sleep 25 # background alone first: the baseline before the spike
  for n in 1 2 3; do
    name=ledger-$n.tar
    size=$(( (10 + 5 * n) * 1048576 + n * 2003 ))
    make_file "$src/$name" "$size"
    t0=$(now)
    lftp_transfer "$PRO_HOST" "$FTP_USER" "$FTP_PASS" passive "put $src/$name -o $name" 0:3M
    t1=$(now)
    truth "$dir/truth.jsonl" "{\"type\":\"transfer\",\"direction\":\"upload\",\"mode\":\"passive\",\"rule\":\"ftp_upload\",\"control\":true,\"user\":\"$FTP_USER\",\"client\":\"$CLIENT\",\"server\":\"$PRO_HOST\",\"name\":\"$name\",\"serverPath\":\"$WORK/proftpd-root/$name\",\"bytes\":$(file_size "$WORK/proftpd-root/$name"),\"start\":$t0,\"end\":$t1}"
    sleep 3
  done
  # A wrong password from the lister: proftpd's `(Login failed)` line among the real ones.
  t0=$(now)
  curl -sS -o /dev/null --max-time 10 --interface "$LISTER" --list-only "ftp://$LIST_USER:wrong-$LIST_PASS@$PRO_HOST/" 2>/dev/null || true
  t1=$(now)
  truth "$dir/truth.jsonl" "{\"type\":\"background\",\"kind\":\"ftp-login-failed\",\"client\":\"$LISTER\",\"server\":\"$PRO_HOST\",\"port\":21,\"start\":$t0,\"end\":$t1}"
  name=mirror-1.iso
  t0=$(now)
  lftp_transfer "$PRO_HOST" "$FTP_USER" "$FTP_PASS" active "get $name -o $dst/$name" 0:0
  t1=$(now)
  cmp -s "$WORK/proftpd-root/$name" "$dst/$name" || { echo "e2e: $name arrived damaged" >&2; exit 1; }
  truth "$dir/truth.jsonl" "{\"type\":\"transfer\",\"direction\":\"download\",\"mode\":\"active\",\"rule\":\"ftp_download\",\"control\":true,\"user\":\"$FTP_USER\",\"client\":\"$CLIENT\",\"server\":\"$PRO_HOST\",\"name\":\"$name\",\"serverPath\":\"$WORK/proftpd-root/$name\",\"bytes\":$(file_size "$WORK/proftpd-root/$name"),\"start\":$t0,\"end\":$t1}"
  stop_noise 20
  stop_capture "$dir"
  stop_proftpd
  take_logs "$dir/logs"
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"xferlog + traditional","files":["logs/xferlog","logs/ftp.log"],"formats":{"logs/xferlog":"xferlog","logs/ftp.log":"proftpd"}}'
  truth "$dir/truth.jsonl" '{"type":"logs","variant":"xferlog + rfc3339","files":["logs/xferlog","logs/messages.rfc3339"],"formats":{"logs/xferlog":"xferlog"}}'
  scenario_footer "$dir"
}

log "output in $OUT"
start_rsyslog
start_web
start_postfix
start_pure_ftpd
take_logs "$WORK/startup-logs" # daemons' start-up lines stay out of the scenarios
T_CAPTURE=$(date +%s)
for s in $SCENARIOS; do
  case $s in
    s1 | s2 | s3 | s4 | s5 | s6) log "scenario $s"; "$s" ;;
    *) echo "e2e: unknown scenario '$s' (s1 s2 s3 s4 s5 s6)" >&2; exit 2 ;;
  esac
done
T_CAPTURED=$(date +%s)
log "captured in $((T_CAPTURED - T_CAPTURE)) s (install $((T_INSTALLED - T0)) s); checking flowlink's answers"

rc=0
FLOWLINK_E2E_DIR=$OUT node --enable-source-maps --test --test-reporter=spec "$ROOT/dist/test/e2e/" || rc=$?
log "done in $(($(date +%s) - T0)) s: install $((T_INSTALLED - T0)) s, capture $((T_CAPTURED - T_CAPTURE)) s, checks $(($(date +%s) - T_CAPTURED)) s"
exit "$rc"
}
