// Apache / nginx access logs, common and combined:
//
//   [vhost[:port] ] client ident user [08/Mar/2008:03:33:42 +0100] "GET /path HTTP/1.1" status bytes ["referer" "agent" ...]
//
// One event per line, service 'web', action 'request'. The stamp's offset is written, so the
// time is exact UTC whatever --tz says. Fields: client, user (not `-`), method, path,
// protocol, status, bytes (`-` = 0), referer, user_agent, vhost, forwarded_for; path, agent,
// referer and user as the client sent them (the log's `\"` and `\xHH` escapes undone).
// What `bytes` counts depends on the format, and the line does not say (measured on Debian 12's
// nginx 1.22 and apache2 2.4, test/fixtures/logs/SOURCES.md):
//   - nginx `combined` ($body_bytes_sent), upstream Apache `%b`: the response body; 0 for HEAD
//     (Apache `-`)
//   - Debian's apache2 `combined`, `common`, `vhost_combined` (`%O`, mod_logio): the response
//     with its headers (HEAD: the headers, ~250 bytes)
//   - a download the client aborted: nginx and `%O` count what the server handed to its
//     kernel, up to the socket's send buffer more than went on the wire, with status 200;
//     Apache's `%b` the whole file
//   - an upload (PUT, POST): only the response; the request body is in no default format
// The user is the name the client sent, also on a 401 (wrong password). Variants seen in real logs:
//   - a vhost before the client (Apache `%v %h ...`, `vhost:443 ip - - [...]`)
//   - X-Forwarded-For lists in place of the client (`10.0.0.2, 10.0.0.1, 127.0.0.1 - - [...]`)
//     or before it, quoted or not: the list goes to forwarded_for, and client is the peer
//     that connected to this server (the list's last address when the list is the client)
//   - `"-"` or `""` as the request (timeouts, 400s), or bytes that are no request (a TLS
//     hello on the plain port: `"\x16\x03\x01..." 400`): no method or path, `request` as written
//   - a request line without the protocol: HTTP/0.9 `"GET /index.html"`, and Apache's 400 for a
//     bad request line (`"GET /a\"b c.html"`)
//   - a number after the bytes (Apache `%D`, mtail's format): kept as time_taken, unit unknown
//   - extra quoted fields after the agent (nginx `"$http_x_forwarded_for"`): one holding
//     addresses is forwarded_for; another (a custom format's `"$upstream_response_time"`) is not
// The time is when the request was received (Apache) or finished (nginx, when the last byte
// went to the kernel): the log does not say which. Measured: a 2.4 s PUT is stamped at its start
// by apache2, at its end by nginx.
import type { FieldValue } from '../src/event.js';
import { monthNumber } from '../src/time.js';
import type { Parser } from './parser.js';
import { lineShare } from './line-share.js';
import { readRecordLines, type RecordFormat } from './record-lines.js';

const STAMP_RE = / \[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] "/;
const AFTER_RE = /^((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: (\d+))?(.*)$/;
// An HTTP method is a token (RFC 9110): `GET`, `PROPFIND`, or a scanner's `FOO`.
const METHOD_RE = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;
const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_RE = /^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$/;

function isAddress(text: string): boolean {
  return IPV4_RE.test(text) || (IPV6_RE.test(text) && text.includes(':') && text.length >= 2);
}

export interface AccessRecord {
  wall: { year: number; month: number; day: number; hour: number; minute: number; second: number; micro: number };
  offsetMinutes: number;
  stampText: string;
  fields: Record<string, FieldValue>;
}

/** Reads one access-log line; undefined when it is not one. */
export function parseAccessLine(line: string): AccessRecord | undefined {
  const s = STAMP_RE.exec(line);
  if (!s) return undefined;
  const month = monthNumber(s[2]);
  if (month === undefined) return undefined;
  const after = AFTER_RE.exec(line.slice(s.index + s[0].length));
  if (!after) return undefined;
  const fields: Record<string, FieldValue> = {};
  if (!readPeers(line.slice(0, s.index), fields)) return undefined;

  const request = after[1];
  const parts = request.split(' ');
  if (request !== '-' && request !== '' && METHOD_RE.test(parts[0])) {
    for (let i = 0; i < parts.length; i++) parts[i] = unescapeLogText(parts[i]);
    fields.method = parts[0];
    if (parts.length >= 3 && parts[parts.length - 1].startsWith('HTTP/')) {
      fields.protocol = parts[parts.length - 1];
      fields.path = parts.slice(1, -1).join(' ');
    } else if (parts.length >= 2) {
      fields.path = parts.slice(1).join(' ');
    }
  } else {
    // `-`, `""`, or bytes that are no request (a TLS hello on the plain port): kept as written.
    fields.request = request;
  }
  fields.status = Number(after[2]);
  fields.bytes = after[3] === '-' ? 0 : Number(after[3]);
  if (after[4] !== undefined) fields.time_taken = Number(after[4]);
  const quoted = [...after[5].matchAll(/ "((?:[^"\\]|\\.)*)"/g)].map((q) => unescapeLogText(q[1]));
  if (quoted.length > 0 && quoted[0] !== '-') fields.referer = quoted[0];
  if (quoted.length > 1 && quoted[1] !== '-') fields.user_agent = quoted[1];
  const xff = quoted.length > 2 ? quoted[2].replace(/, +/g, ',') : '-';
  if (xff.split(',').every(isAddress) && fields.forwarded_for === undefined) fields.forwarded_for = xff;

  const sign = s[7] === '-' ? -1 : 1;
  const offsetMinutes = sign * (Number(s[8]) * 60 + Number(s[9]));
  const wall = { year: Number(s[3]), month, day: Number(s[1]), hour: Number(s[4]), minute: Number(s[5]), second: Number(s[6]), micro: 0 };
  return { wall, offsetMinutes, stampText: s[0].slice(1, -2), fields };
}

const ESCAPE_RE = /\\(?:x([0-9A-Fa-f]{2})|([\\"nrtbv]))/g;
const CONTROL: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, v: 11 };

/**
 * The text the client sent, from the log's escapes: Apache writes `\"`, `\\`, `\n`... and
 * `\xhh`, nginx `\xHH` for `"`, `\`, control and non-ASCII bytes (`/caf\xC3\xA9` is UTF-8
 * `/café`). Neither writes a bare backslash, so every one starts an escape.
 */
export function unescapeLogText(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  let at = 0;
  for (const m of text.matchAll(ESCAPE_RE)) {
    for (const b of Buffer.from(text.slice(at, m.index), 'utf8')) bytes.push(b);
    bytes.push(m[1] !== undefined ? parseInt(m[1], 16) : (CONTROL[m[2]] ?? m[2].charCodeAt(0)));
    at = m.index + m[0].length;
  }
  for (const b of Buffer.from(text.slice(at), 'utf8')) bytes.push(b);
  return Buffer.from(bytes).toString('utf8');
}

/** `[vhost ]client ident user` (and its variants, see the header) -> fields; false when malformed. */
function readPeers(prefix: string, fields: Record<string, FieldValue>): boolean {
  // Quoted lists and `a, b, c` lists become single tokens.
  const tokens: string[] = [];
  const re = /"([^"]*)"|([^\s,]+(?:, *[^\s,]+)*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(prefix))) tokens.push((m[1] ?? m[2]).replace(/, +/g, ','));
  let n = tokens.length;
  if (n === 0) return false;
  // `ip - [date]` (one dash: no ident field) and the usual `ip ident user`.
  let user: string;
  if (n >= 3) {
    user = tokens[n - 1];
    n -= 2;
  } else if (n === 2) {
    user = tokens[1];
    n = 1;
  } else {
    return false;
  }
  if (user !== '-') fields.user = unescapeLogText(user);
  let client = tokens[n - 1];
  const before = tokens.slice(0, n - 1);
  if (client.includes(',')) {
    const list = client.split(',');
    fields.forwarded_for = client;
    client = list[list.length - 1];
  }
  fields.client = client;
  for (const token of before) {
    if (token.split(',').every(isAddress)) fields.forwarded_for = token;
    else fields.vhost = token;
  }
  return before.length <= 2;
}

export function whyNotAccessLog(line: string): string {
  if (line.trim() === '') return 'empty line';
  if (/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[\w+\]/.test(line)) return 'nginx error log line, not an access log line';
  if (/^\[\w{3} \w{3} \d{2} [\d:.]+ \d{4}\] \[/.test(line)) return 'Apache error log line, not an access log line';
  if (!/ \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] /.test(line)) return "no access log time stamp ('[08/Mar/2008:03:33:42 +0100]')";
  return 'access log line without a quoted request, a 3-digit status and a byte count after the time stamp';
}

const FORMAT: RecordFormat<AccessRecord> = {
  read: parseAccessLine,
  header(r) {
    const f = r.fields;
    const message = f.method !== undefined ? `${f.method} ${f.path ?? ''} ${f.status} ${f.bytes}` : `${f.request === '' ? '""' : '-'} ${f.status} ${f.bytes}`;
    return { form: 'clf', stamp: { kind: 'dated', wall: r.wall, offsetMinutes: r.offsetMinutes, text: r.stampText }, message };
  },
  apply(r, event) {
    event.service = 'web';
    event.action = 'request';
    Object.assign(event.fields, r.fields);
  },
  explain: whyNotAccessLog,
};

export const accessLogParser: Parser = {
  name: 'access-log',
  description: 'Apache/nginx access logs (common, combined, with vhost or X-Forwarded-For): one request per line',
  produces: 'logs',
  samples: [
    // tstack/lnav test/logfile_access_log.0 (BSD-2-Clause)
    '192.168.202.254 - - [20/Jul/2009:22:59:29 +0000] "GET /vmw/vSphere/default/vmkernel.gz HTTP/1.0" 200 78929 "-" "gPXE/0.9.7"',
    // google/mtail internal/mtail/testdata/apache-combined.log (Apache-2.0)
    '2001:db8::1 - - [23/Mar/2018:12:31:05 +0000] "GET /index.html HTTP/1.1" 304 - "https://fubarservice.example.com/" "libcurl"',
    // elastic/beats filebeat/module/apache/access/test/test.log (Apache-2.0)
    'vhost1.domaine.fr 123.123.123.123 - - [04/Jul/2019:09:20:46 +0200] "GET / HTTP/1.1" 200 32953 "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/75.0.3770.100 Safari/537.36"',
  ],
  detect(_head, headLines) {
    return lineShare(headLines, parseAccessLine) >= 0.5 ? 50 : 0;
  },
  timeCompleteness() {
    return 'full';
  },
  parse(input, time) {
    return readRecordLines(input, time, FORMAT);
  },
};
