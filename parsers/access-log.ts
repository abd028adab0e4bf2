// Apache / nginx access logs, common and combined:
//
//   [vhost[:port] ] client ident user [08/Mar/2008:03:33:42 +0100] "GET /path HTTP/1.1" status bytes ["referer" "agent" ...]
//
// One event per line, service 'web', action 'request'. The stamp's offset is written, so the
// time is exact UTC whatever --tz says. Fields: client, user (not `-`), method, path,
// protocol, status, bytes (the response size; `-` = 0), referer, user_agent, vhost,
// forwarded_for. Variants seen in real logs:
//   - a vhost before the client (Apache `%v %h ...`, `vhost:443 ip - - [...]`)
//   - X-Forwarded-For lists in place of the client (`10.0.0.2, 10.0.0.1, 127.0.0.1 - - [...]`)
//     or before it, quoted or not: the list goes to forwarded_for, and client is the peer
//     that connected to this server (the list's last address when the list is the client)
//   - `"-"` or `""` as the request (timeouts, 400s): no method or path
//   - a number after the bytes (Apache `%D`, mtail's format): kept as time_taken, unit unknown
//   - extra quoted fields after the agent (nginx `"$http_x_forwarded_for"`): a non-`-` one is forwarded_for
// The time is when the request was received (Apache) or finished (nginx): the log does not say.
import type { FieldValue } from '../src/event.js';
import { monthNumber } from '../src/time.js';
import type { Parser } from './parser.js';
import { lineShare } from './line-share.js';
import { readRecordLines, type RecordFormat } from './record-lines.js';

const STAMP_RE = / \[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] "/;
const AFTER_RE = /^((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: (\d+))?(.*)$/;
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
  if (request !== '-' && request !== '') {
    const parts = request.split(' ');
    fields.method = parts[0];
    if (parts.length >= 3 && parts[parts.length - 1].startsWith('HTTP/')) {
      fields.protocol = parts[parts.length - 1];
      fields.path = parts.slice(1, -1).join(' ');
    } else if (parts.length >= 2) {
      fields.path = parts.slice(1).join(' ');
    }
  } else {
    fields.request = request;
  }
  fields.status = Number(after[2]);
  fields.bytes = after[3] === '-' ? 0 : Number(after[3]);
  if (after[4] !== undefined) fields.time_taken = Number(after[4]);
  const quoted = [...after[5].matchAll(/ "((?:[^"\\]|\\.)*)"/g)].map((q) => q[1]);
  if (quoted.length > 0 && quoted[0] !== '-') fields.referer = quoted[0];
  if (quoted.length > 1 && quoted[1] !== '-') fields.user_agent = quoted[1];
  if (quoted.length > 2 && quoted[2] !== '-' && fields.forwarded_for === undefined) fields.forwarded_for = quoted[2].replace(/, +/g, ',');

  const sign = s[7] === '-' ? -1 : 1;
  const offsetMinutes = sign * (Number(s[8]) * 60 + Number(s[9]));
  const wall = { year: Number(s[3]), month, day: Number(s[1]), hour: Number(s[4]), minute: Number(s[5]), second: Number(s[6]), micro: 0 };
  return { wall, offsetMinutes, stampText: s[0].slice(1, -2), fields };
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
  if (user !== '-') fields.user = user;
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
