#!/usr/bin/env node
// Writes samples/ftp-capture/: a packet capture of an office network's server segment over
// 90 minutes and the FTP server's syslog. Background: DNS lookups, short web fetches, an
// admin's SSH session, a few failed FTP logins from outside. At 01:47 a client uploads a
// 20 MiB file over passive-mode FTP (control connection to port 21, data connection to the
// server's passive port): the spike `flowlink explain samples/ftp-capture` explains.
//
// The capture is what `tcpdump -i eth0 -s 96 -w capture.pcap` writes: classic pcap,
// little-endian, microsecond stamps, Ethernet, each frame cut to 96 bytes while its original
// length keeps the true size. Checksums are computed over the whole (uncut) packets.
// Seeded: the same bytes on every run.
//   node samples/make-ftp-capture.mjs [OUTDIR]     (default samples/ftp-capture)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { seededRandom } from './lib/seeded-random.mjs';

const S = 1_000_000;
const at = (h, m, s, us = 0) => Date.UTC(2024, 4, 14, h, m, s) * 1000 + us; // µs, sensor and server clocks UTC

/** What happened, for the generator and for tests that check the explanation against it. */
export const scenario = {
  captureStart: at(1, 0, 0),
  captureEnd: at(2, 30, 0),
  snaplen: 96,
  mss: 1448,
  serverName: 'files',
  server: '10.1.0.21',
  client: '192.168.10.57',
  user: 'mkrause',
  /** As pure-ftpd logs it: the user's home, then `//`, then the path under it. */
  file: '/home/mkrause//exports/crm-export-2024-05-14.tar.gz',
  /** The file's size: the TCP payload the client sends on the data connection. */
  bytes: 20 * 1024 * 1024,
  controlStart: at(1, 47, 12, 408113),
  controlSport: 50112,
  dataSport: 50114,
  /** The passive port the server offers in its 227 reply. */
  passivePort: 41237,
  /** Seconds the data takes to cross, first to last data segment. */
  transferSeconds: 212.6,
};

// Drawn afresh from the seed by build(), so every build is the same.
let random, between, int, pick;

// ---- packets ----
const FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10;
const ipBytes = (ip) => ip.split('.').map(Number);
const macOf = (ip) => Buffer.from([0x52, 0x54, 0x00, ...ipBytes(ip).slice(1)]);
const ipIds = new Map();

function sum16(buf, acc = 0) {
  for (let i = 0; i + 1 < buf.length; i += 2) acc += buf.readUInt16BE(i);
  if (buf.length & 1) acc += buf[buf.length - 1] << 8;
  return acc;
}
function fold(acc) {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

const packets = [];
/** One frame: Ethernet + IPv4 + the transport header and payload given; keeps the first snaplen bytes. */
function frame(ts, src, dst, proto, transport, payload) {
  const ipLen = 20 + transport.length + payload.length;
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(ipLen, 2);
  const id = ((ipIds.get(src) ?? int(1, 60000)) + 1) & 0xffff;
  ipIds.set(src, id);
  ip.writeUInt16BE(id, 4);
  ip.writeUInt16BE(proto === 6 ? 0x4000 : 0, 6); // DF on TCP, as Linux sets it
  ip[8] = 64;
  ip[9] = proto;
  Buffer.from(ipBytes(src)).copy(ip, 12);
  Buffer.from(ipBytes(dst)).copy(ip, 16);
  ip.writeUInt16BE(fold(sum16(ip)), 10);
  // Transport checksum over the pseudo-header, header and the whole payload.
  const pseudo = Buffer.alloc(12);
  ip.copy(pseudo, 0, 12, 20);
  pseudo[9] = proto;
  pseudo.writeUInt16BE(transport.length + payload.length, 10);
  const ck = fold(sum16(payload, sum16(transport, sum16(pseudo))));
  transport.writeUInt16BE(ck === 0 && proto === 17 ? 0xffff : ck, proto === 6 ? 16 : 6);
  const eth = Buffer.concat([macOf(dst), macOf(src), Buffer.from([0x08, 0x00])]);
  const whole = 14 + ipLen;
  const head = Buffer.concat([eth, ip, transport, payload.subarray(0, Math.max(0, scenario.snaplen - 14 - 20 - transport.length))]);
  packets.push({ ts: Math.round(ts), data: head.subarray(0, scenario.snaplen), origLen: whole });
}

/** A TCP connection: sequence numbers per side, timestamps option on every segment as Linux sends. */
function tcp(client, cport, server, sport) {
  let cseq = int(1, 2 ** 31), sseq = int(1, 2 ** 31);
  const tsBase = int(1e6, 4e9);
  const conn = {
    /** Sends a segment; `payload` a Buffer. */
    send(ts, fromClient, flags, payload = Buffer.alloc(0)) {
      const syn = (flags & SYN) !== 0;
      const opts = syn
        ? Buffer.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7]) // MSS 1460, SACK ok, TS, NOP, WS 7
        : Buffer.from([1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
      const tsAt = syn ? 8 : 4;
      opts.writeUInt32BE((tsBase + Math.floor(ts / 1000)) >>> 0, tsAt);
      const h = Buffer.alloc(20 + opts.length);
      h.writeUInt16BE(fromClient ? cport : sport, 0);
      h.writeUInt16BE(fromClient ? sport : cport, 2);
      h.writeUInt32BE((fromClient ? cseq : sseq) >>> 0, 4);
      h.writeUInt32BE(flags & ACK ? (fromClient ? sseq : cseq) >>> 0 : 0, 8);
      h[12] = ((20 + opts.length) / 4) << 4;
      h[13] = flags;
      h.writeUInt16BE(syn ? 64240 : 502, 14);
      opts.copy(h, 20);
      frame(ts, fromClient ? client : server, fromClient ? server : client, 6, h, payload);
      const advance = payload.length + (syn ? 1 : 0) + (flags & FIN ? 1 : 0);
      if (fromClient) cseq = (cseq + advance) % 2 ** 32;
      else sseq = (sseq + advance) % 2 ** 32;
    },
    /** Handshake from `ts`; returns when the client's ACK went. */
    open(ts, rtt) {
      conn.send(ts, true, SYN);
      conn.send(ts + rtt / 2, false, SYN | ACK);
      conn.send(ts + rtt, true, ACK);
      return ts + rtt;
    },
    /** Client closes first. */
    close(ts, rtt) {
      conn.send(ts, true, FIN | ACK);
      conn.send(ts + rtt / 2, false, FIN | ACK);
      conn.send(ts + rtt, true, ACK);
      return ts + rtt;
    },
    /** `bytes` of payload from one side in full segments, the other side ACKing every second one; returns the last segment's time. */
    stream(ts, fromClient, bytes, gap, rtt, fill) {
      let sent = 0, n = 0, last = ts;
      while (sent < bytes) {
        const len = Math.min(scenario.mss, bytes - sent);
        conn.send(ts, fromClient, sent + len >= bytes ? PSH | ACK : ACK, fill(sent, len));
        sent += len;
        if (++n % 2 === 0 || sent >= bytes) conn.send(ts + rtt / 2, !fromClient, ACK);
        last = ts;
        ts += gap * between(0.8, 1.2);
      }
      return last;
    },
  };
  return conn;
}

function udp(ts, src, sport, dst, dport, payload) {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  frame(ts, src, dst, 17, h, payload);
}

const text = (s) => Buffer.from(s, 'latin1');
const noise = (len) => {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(random() * 256);
  return b;
};

// ---- syslog ----
const logs = [];
// rsyslog's RSYSLOG_FileFormat, Debian 12's default: RFC 3339 with microseconds and the offset,
// so the sample reads the same whatever the reader's zone (a BSD-style `May 14 01:50:46` stamp
// would be read in --tz, and the pcap's stamps are UTC).
function log(us, program, message) {
  const stamp = new Date(Math.floor(us / 1000)).toISOString().slice(0, 19) + '.' + String(Math.round(us) % S).padStart(6, '0') + '+00:00';
  logs.push({ us, text: `${stamp} ${scenario.serverName} ${program}: ${message}` });
}

// ---- background ----
const DNS = '10.1.0.53';
const WEB = '10.1.0.80';
const CLIENTS = ['192.168.10.12', '192.168.10.23', '192.168.10.31', '192.168.10.44', '192.168.10.57', '192.168.10.68'];
const NAMES = ['intranet.corp.example', 'files.corp.example', 'mail.corp.example', 'updates.example.org', 'time.example.net', 'wiki.corp.example'];
let ephemeral = 40000;
const port = () => (ephemeral = ephemeral >= 60999 ? 40000 : ephemeral + int(1, 9));

function dnsQuestion(name) {
  const parts = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), text(l)]));
  return Buffer.concat([...parts, Buffer.from([0, 0, 1, 0, 1])]);
}
function dnsLookup(ts) {
  const client = pick(CLIENTS);
  const id = int(0, 0xffff);
  const q = dnsQuestion(pick(NAMES));
  const header = (flags, an) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(id, 0);
    h.writeUInt16BE(flags, 2);
    h.writeUInt16BE(1, 4);
    h.writeUInt16BE(an, 6);
    return h;
  };
  const sport = port();
  udp(ts, client, sport, DNS, 53, Buffer.concat([header(0x0100, 0), q]));
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 10, 1, 0, int(2, 250)]);
  udp(ts + int(300, 2500), DNS, 53, client, sport, Buffer.concat([header(0x8180, 1), q, answer]));
}

function webFetch(ts) {
  const client = pick(CLIENTS);
  const c = tcp(client, port(), WEB, 80);
  const rtt = int(200, 900);
  let t = c.open(ts, rtt);
  const path = pick(['/', '/news', '/static/app.js', '/static/style.css', '/img/logo.png', '/api/status']);
  c.send(t + 50, true, PSH | ACK, text(`GET ${path} HTTP/1.1\r\nHost: intranet.corp.example\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\n\r\n`));
  const body = Math.round(Math.min(400 * Math.exp(between(0, 4.2)), 60000));
  const head = text(`HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: ${body}\r\n\r\n`);
  t = c.stream(t + int(2000, 30000), false, head.length + body, 150, rtt, (off, len) => (off === 0 ? Buffer.concat([head, noise(Math.max(0, len - head.length))]).subarray(0, len) : noise(len)));
  c.close(t + int(1000, 20000), rtt);
}

/** Every packet and log line of the scenario, from the seed. */
function build() {
  ({ random, between, int, pick } = seededRandom(20240514));
  packets.length = 0;
  logs.length = 0;
  ipIds.clear();
  ephemeral = 40000;
  for (let t = scenario.captureStart + 2 * S; t < scenario.captureEnd - 60 * S; t += Math.round(between(4, 40) * S)) {
    if (random() < 0.55) dnsLookup(t);
    else webFetch(t);
  }

  // The admin's SSH session to the FTP server: long, thin, keystrokes and screen updates.
  {
    const c = tcp('192.168.10.12', 51022, scenario.server, 22);
    let t = c.open(at(1, 3, 41, 220415), 600);
    c.send(t + 2000, false, PSH | ACK, text('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n'));
    c.send(t + 4000, true, PSH | ACK, text('SSH-2.0-OpenSSH_9.6\r\n'));
    for (t += 10 * S; t < at(2, 21, 5); t += Math.round(between(0.5, 25) * S)) {
      c.send(t, true, PSH | ACK, noise(36));
      c.send(t + int(400, 3000), false, PSH | ACK, noise(pick([36, 44, 68, 108, 244, 516])));
      c.send(t + int(3200, 40000), true, ACK);
    }
    c.close(t, 600);
  }

  // Failed logins from outside, as every exposed FTP server sees.
  for (const [h, m, s] of [[1, 12, 7], [1, 33, 52], [2, 4, 19], [2, 18, 40]]) {
    const who = pick(['61.160.213.10', '218.65.30.4', '60.211.252.98']);
    const c = tcp(who, port(), scenario.server, 21);
    const rtt = int(150000, 320000);
    let t = c.open(at(h, m, s, int(0, 999999)), rtt);
    log(t + 3000, 'pure-ftpd', `(?@${who}) [INFO] New connection from ${who}`);
    c.send(t + 5000, false, PSH | ACK, text('220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n'));
    const tried = pick(['admin', 'Administrator', 'test', 'ftp']);
  c.send(t + rtt, true, PSH | ACK, text(`USER ${tried}\r\n`));
    c.send(t + rtt + 900, false, PSH | ACK, text('331 User OK. Password required\r\n'));
    c.send(t + 2 * rtt, true, PSH | ACK, text('PASS 123456\r\n'));
    t += 2 * rtt + 2 * S;
    log(t, 'pure-ftpd', `(?@${who}) [WARNING] Authentication failed for user [${tried}]`);
    c.send(t, false, PSH | ACK, text('530 Login authentication failed\r\n'));
    c.close(t + rtt, rtt);
  }

  // Cron on the server, so the log is not only FTP.
  for (let t = at(1, 17, 1); t < scenario.captureEnd; t += 3600 * S) log(t, `CRON[${int(2000, 30000)}]`, '(root) CMD (   cd / && run-parts --report /etc/cron.hourly)');

  // ---- the upload: passive-mode FTP from the client ----
  {
    const { client, server, user, file, bytes, controlSport, dataSport, passivePort } = scenario;
    const rtt = 900; // µs, same LAN
    const ctl = tcp(client, controlSport, server, 21);
    let t = ctl.open(scenario.controlStart, rtt);
    const reply = (dt, line) => ctl.send((t += dt), false, PSH | ACK, text(line + '\r\n'));
    const command = (dt, line) => ctl.send((t += dt), true, PSH | ACK, text(line + '\r\n'));
    log(t + 300, 'pure-ftpd', `(?@${client}) [INFO] New connection from ${client}`);
    reply(4100, '220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------');
    command(380000, `USER ${user}`);
    reply(1200, `331 User ${user} OK. Password required`);
    command(920000, 'PASS Summer2024!');
    reply(48000, '230 OK. Current directory is /home/mkrause');
    log(t, 'pure-ftpd', `(?@${client}) [INFO] ${user} is now logged in`);
    command(210000, 'TYPE I');
    reply(900, '200 TYPE is now 8-bit binary');
    command(160000, 'CWD exports');
    reply(1100, '250 OK. Current directory is /home/mkrause/exports');
    command(150000, 'PASV');
    reply(1000, `227 Entering Passive Mode (10,1,0,21,${passivePort >> 8},${passivePort & 255})`);

    const data = tcp(client, dataSport, server, passivePort);
    let d = data.open(t + 2100, rtt);
    command(3400, `STOR ${file.split('//')[1].split('/').pop()}`);
    reply(1500, '150 Accepted data connection');
    // The file's bytes, paced so the copy takes transferSeconds; content is noise (a gzip file).
    const segments = Math.ceil(bytes / scenario.mss);
    const gap = (scenario.transferSeconds * S) / (segments - 1);
    const first = d + 2000;
    const last = data.stream(first, true, bytes, gap, rtt, (_off, len) => noise(len));
    d = data.close(last + 1200, rtt);
    // pure-ftpd logs the upload when the data connection closes; its rate is over the copy.
    const seconds = (last - first) / S;
    log(d + 350000, 'pure-ftpd', `(${user}@${client}) [NOTICE] ${file} uploaded  (${bytes} bytes, ${(bytes / 1024 / seconds).toFixed(2)}KB/sec)`);
    t = d;
    reply(400000, '226-File successfully transferred');
    command(260000, 'QUIT');
    reply(900, `221-Goodbye. You uploaded ${Math.round(bytes / 1024)} and downloaded 0 kbytes.`);
    log(t + 500, 'pure-ftpd', `(${user}@${client}) [INFO] Logout.`);
    ctl.close(t + 2000, rtt);
  }
}

// ---- write ----
function writeCapture(path) {
  packets.sort((a, b) => a.ts - b.ts);
  const parts = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(scenario.snaplen, 16);
  g.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(g);
  for (const p of packets) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(p.ts / S), 0);
    h.writeUInt32LE(p.ts % S, 4);
    h.writeUInt32LE(p.data.length, 8);
    h.writeUInt32LE(p.origLen, 12);
    parts.push(h, p.data);
  }
  writeFileSync(path, Buffer.concat(parts));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'ftp-capture');
  mkdirSync(out, { recursive: true });
  build();
  writeCapture(join(out, 'capture.pcap'));
  logs.sort((a, b) => a.us - b.us);
  writeFileSync(join(out, 'messages'), logs.map((l) => l.text).join('\n') + '\n');
  console.log(`wrote ${packets.length} packets and ${logs.length} log lines to ${out}`);
}
