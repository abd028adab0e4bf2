// scan.cc's RFC 3164 header scan plus postfix's message reading (parsers/postfix.ts's
// readPostfixMessage for the shapes a mail log is made of), in C++, for bench/native-postfix.mjs:
// what a native reader of the postfix family would cost per line before any JS object.
//
//   scan(buf, length, i32, f64, year) -> [lines, next]
//
// Per whole line of buf[0, length), one row of I32 (Int32Array, row-major, I32 wide) and one
// of F64 (Float64Array, F64 wide); -1 / NaN mark what a line has not. Spans are byte
// offsets in buf, so JS slices them from one latin1 string of the chunk. The kind says which
// of flowlink's field sets the row fills; KIND_OTHER is a postfix line of another shape
// (reject, warning, SASL failure, bounce, lost connection ...) left to flowlink's own
// JavaScript, KIND_NOT_POSTFIX a line this prototype does not read at all.
// The stamp is UTC in `year` (no zone, no year inference), as `--year Y` with zone UTC gives
// for a file within one year.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

#include "common.h"

// Row layout; bench/native-postfix.mjs has the same numbers.
enum I32Col {
  C_START, C_END, C_HOST_END, C_PROG_END, C_TAG_END, C_MSG, C_DAEMON, C_QID_END, C_KIND,
  C_COMMENT, C_COMMENT_END,          // the `(...)` comment (response), without its parens
  C_IP, C_IP_END, C_CHOST, C_CHOST_END,  // client's ip and host (connect, disconnect, client=)
  C_RIP, C_RIP_END,                  // relay_ip, when flowlink keeps one
  C_RELAYED, C_RELAYED_END,          // relayed_as, from `queued as X`
  C_SLOTS,                           // KEY_SLOTS value starts, then their ends
  I32 = C_SLOTS + 2 * 15,
};
enum F64Col { F_TS, F_PID, F_SIZE, F_NRCPT, F_DELAY, F_CPORT, F_RPORT, F64 = 8 };
enum Kind { KIND_OTHER, KIND_CONNECT, KIND_DISCONNECT, KIND_ACCEPTED, KIND_CLEANUP, KIND_QUEUED, KIND_DELIVERY, KIND_REMOVED, KIND_NOT_POSTFIX };
// parsers/postfix.ts's KEY_SLOTS, in its order.
enum Slot { S_CLIENT, S_SASL_METHOD, S_SASL_USERNAME, S_MESSAGE_ID, S_FROM, S_SIZE, S_NRCPT, S_TO, S_ORIG_TO, S_RELAY, S_DELAY, S_DELAYS, S_DSN, S_STATUS, S_UID, NSLOTS };
const char* const KEYS[NSLOTS] = {"client", "sasl_method", "sasl_username", "message-id", "from", "size", "nrcpt", "to", "orig_to", "relay", "delay", "delays", "dsn", "status", "uid"};
const size_t KEY_LENGTHS[NSLOTS] = {6, 11, 13, 10, 4, 4, 5, 2, 7, 5, 5, 6, 3, 6, 3};
const double NaN = __builtin_nan("");

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

inline bool Digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool Word(unsigned char c) { return Digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-'; }

// One message, t[0, n): the JS string methods the TS code calls, on bytes (latin1 = char codes).
struct Msg {
  const unsigned char* t;
  int32_t n;
  int32_t Find(unsigned char c, int32_t from) const {
    if (from >= n) return -1;
    const void* p = memchr(t + from, c, n - from);
    return p ? int32_t(static_cast<const unsigned char*>(p) - t) : -1;
  }
  int32_t FindIn(unsigned char c, int32_t from, int32_t to) const {
    if (from >= to) return -1;
    const void* p = memchr(t + from, c, to - from);
    return p ? int32_t(static_cast<const unsigned char*>(p) - t) : -1;
  }
  // lastIndexOf(c, pos), looking no further back than `low`.
  int32_t FindBack(unsigned char c, int32_t pos, int32_t low) const {
    if (pos >= n) pos = n - 1;
    if (pos < 0) pos = 0;
    for (int32_t i = pos; i >= low; i--)
      if (t[i] == c) return i;
    return -1;
  }
  bool Starts(const char* s, int32_t at) const {
    const size_t len = strlen(s);
    return at >= 0 && at + int32_t(len) <= n && memcmp(t + at, s, len) == 0;
  }
  bool KeyWord(int32_t from, int32_t to) const {
    if (to <= from) return false;
    for (int32_t k = from; k < to; k++)
      if (!Word(t[k])) return false;
    return true;
  }
};

// postfix.ts's queueIdLength.
int32_t QueueIdLength(const Msg& m) {
  bool hex = true, lng = true;
  int32_t n = 0;
  for (; n <= 20 && n < m.n; n++) {
    const unsigned char c = m.t[n];
    if (Digit(c)) continue;
    const bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
    if (!upper && !lower) break;
    if (!upper || c > 'F') hex = false;
    const unsigned char u = c & ~32;
    if (u == 'A' || u == 'E' || u == 'I' || u == 'O' || u == 'U') lng = false;
  }
  if (n + 1 >= m.n || m.t[n] != ':' || m.t[n + 1] != ' ') return 0;
  return (hex && n >= 6 && n <= 12) || (lng && n >= 12 && n <= 20) ? n : 0;
}

// decimalAt: the value of t[from, to) when it is `\d+` (`\d+(\.\d+)?` with fraction), else NaN.
// strtod rounds correctly, as Number() does.
double DecimalAt(const Msg& m, int32_t from, int32_t to, bool fraction) {
  int32_t k = from;
  double v = 0;
  for (; k < to && Digit(m.t[k]); k++) v = v * 10 + (m.t[k] - '0');
  if (k == from) return NaN;
  if (k == to && k - from <= 15) return v;
  if (k != to) {
    if (!fraction || m.t[k] != '.' || k + 1 == to) return NaN;
    for (int32_t d = k + 1; d < to; d++)
      if (!Digit(m.t[d])) return NaN;
  }
  char tmp[64];
  if (to - from >= int32_t(sizeof tmp)) return NaN;  // never in a log; flowlink would still read it
  memcpy(tmp, m.t + from, to - from);
  tmp[to - from] = 0;
  return strtod(tmp, nullptr);
}

// setClientAt: ip, host and port of `host[ip]:port` in t[from, to). Offsets relative to the
// message; false (nothing set) without a bracketed address.
bool ClientAt(const Msg& m, int32_t from, int32_t to, int32_t* ip, int32_t* host, double* port) {
  const int32_t open = m.FindBack('[', to - 1, from);
  if (open < from) return false;
  const int32_t close = m.FindIn(']', open, to);
  if (close < 0) return false;
  const bool v6 = open + 6 <= to && memcmp(m.t + open + 1, "IPv6:", 5) == 0;
  ip[0] = v6 ? open + 6 : open + 1;
  ip[1] = close;
  int32_t hs = from, he = open;
  while (hs < he && m.t[hs] <= 32) hs++;
  while (he > hs && m.t[he - 1] <= 32) he--;
  host[0] = host[1] = -1;
  if (he > hs && !(he - hs == 7 && memcmp(m.t + hs, "unknown", 7) == 0)) {
    if (m.t[he - 1] == '.') he--;
    host[0] = hs;
    host[1] = he;
  }
  *port = NaN;
  if (close + 2 < to && m.t[close + 1] == ':') *port = DecimalAt(m, close + 2, to, false);
  return true;
}

// bracketAddressEnd.
int32_t BracketAddressEnd(const Msg& m, int32_t from) {
  int32_t wordEnd = m.Find(' ', from);
  if (wordEnd < 0) wordEnd = m.n;
  for (int32_t open = m.FindBack('[', wordEnd - 1, 0); open > from; open = m.FindBack('[', open - 1, 0)) {
    const int32_t close = m.Find(']', open);
    if (close < 0) continue;
    int32_t end = close + 1;
    if (end < m.n && m.t[end] == ':') {
      int32_t k = end + 1;
      while (k < m.n && Digit(m.t[k])) k++;
      if (k > end + 1) end = k;
    }
    return end;
  }
  return -1;
}

// scanPairs + PairSlots.read: value spans by slot (last one wins); returns commentAt or -1.
int32_t ScanPairs(const Msg& m, int32_t i, int32_t* vs, int32_t* ve) {
  for (int s = 0; s < NSLOTS; s++) vs[s] = ve[s] = -1;
  const int32_t n = m.n;
  while (i < n) {
    while (i < n && (m.t[i] == ' ' || m.t[i] == ',')) i++;
    if (i >= n) break;
    if (m.t[i] == '(') return i + 1;
    const int32_t eq = m.Find('=', i);
    if (eq < 0) break;
    if (!m.KeyWord(i, eq)) {
      const int32_t sp = m.Find(' ', i);
      if (sp < 0) break;
      i = sp + 1;
      continue;
    }
    int32_t j = eq + 1, a, b;
    if (j < n && m.t[j] == '<') {
      const int32_t close = m.Find('>', j);
      a = j + 1;
      b = close < 0 ? n : close;
      j = close < 0 ? n : close + 1;
    } else {
      int32_t k = j;
      while (k < n && m.t[k] != ',' && m.t[k] != ' ') k++;
      a = j;
      b = k;
      j = k;
    }
    const size_t len = eq - i;
    for (int s = 0; s < NSLOTS; s++) {
      if (KEY_LENGTHS[s] == len && memcmp(m.t + i, KEYS[s], len) == 0) {
        vs[s] = a;
        ve[s] = b;
        break;
      }
    }
    i = j;
  }
  return -1;
}

inline uint32_t Bit(int s) { return 1u << s; }

// One postfix message into its row (offsets made absolute by `base`); returns the kind.
int ReadPostfix(const Msg& m, int32_t base, bool pickup, int32_t* row, double* frow) {
  int32_t at = 0;
  const int32_t qid = QueueIdLength(m);
  if (qid > 0) {
    row[C_QID_END] = base + qid;
    at = qid + 2;
  } else if (m.Starts("NOQUEUE: ", 0)) {
    at = 9;
  }
  const unsigned char c = at < m.n ? m.t[at] : 0;
  int32_t ip[2], host[2];
  // connect / disconnect from host[ip]
  if ((c == 'c' && m.Starts("connect from ", at)) || (c == 'd' && m.Starts("disconnect from ", at))) {
    const int32_t from = at + (c == 'c' ? 13 : 16);
    const int32_t end = BracketAddressEnd(m, from);
    if (end < 0) return KIND_OTHER;
    if (ClientAt(m, from, end, ip, host, &frow[F_CPORT])) {
      row[C_IP] = base + ip[0], row[C_IP_END] = base + ip[1];
      if (host[0] >= 0) row[C_CHOST] = base + host[0], row[C_CHOST_END] = base + host[1];
    }
    return c == 'c' ? KIND_CONNECT : KIND_DISCONNECT;
  }
  if (c == 'r' && m.n - at == 7 && m.Starts("removed", at)) return KIND_REMOVED;
  // The shapes flowlink reads with regular expressions: its JS decides.
  if ((c == 'r' && m.Starts("reject: ", at)) || (c == 'm' && m.Starts("milter-reject: ", at)) || (c == 'w' && m.Starts("warning: ", at)) ||
      (c == 'l' && m.Starts("lost connection after ", at)) || (c == 's' && m.Starts("sender ", at)))
    return KIND_OTHER;
  if (qid == 0) return KIND_OTHER;
  const int32_t eq = m.Find('=', at);
  if (!(eq > at && m.KeyWord(at, eq))) return KIND_OTHER;

  int32_t vs[NSLOTS], ve[NSLOTS];
  const int32_t commentAt = ScanPairs(m, at, vs, ve);
  uint32_t has = 0;
  for (int s = 0; s < NSLOTS; s++)
    if (vs[s] >= 0) has |= Bit(s);
  int kind;
  // Each kind a set of keys queueIdPairs reads one way; any other mix is left to flowlink.
  if ((has & Bit(S_CLIENT)) && !(has & ~(Bit(S_CLIENT) | Bit(S_SASL_METHOD) | Bit(S_SASL_USERNAME)))) {
    kind = KIND_ACCEPTED;
    if (ClientAt(m, vs[S_CLIENT], ve[S_CLIENT], ip, host, &frow[F_CPORT])) {
      row[C_IP] = base + ip[0], row[C_IP_END] = base + ip[1];
      if (host[0] >= 0) row[C_CHOST] = base + host[0], row[C_CHOST_END] = base + host[1];
    }
  } else if (has == Bit(S_MESSAGE_ID)) {
    kind = KIND_CLEANUP;
  } else if ((has & Bit(S_FROM)) && !(has & ~(Bit(S_FROM) | Bit(S_SIZE) | Bit(S_NRCPT))) && !pickup) {
    kind = KIND_QUEUED;
    if (vs[S_SIZE] >= 0) frow[F_SIZE] = DecimalAt(m, vs[S_SIZE], ve[S_SIZE], false);
    if (vs[S_NRCPT] >= 0) frow[F_NRCPT] = DecimalAt(m, vs[S_NRCPT], ve[S_NRCPT], false);
  } else if ((has & Bit(S_TO)) && (has & Bit(S_STATUS)) &&
             !(has & ~(Bit(S_TO) | Bit(S_ORIG_TO) | Bit(S_RELAY) | Bit(S_DELAY) | Bit(S_DELAYS) | Bit(S_DSN) | Bit(S_STATUS)))) {
    kind = KIND_DELIVERY;
    double port;
    // `host[private/dovecot-lmtp]` is a socket, not an address: no relay_ip.
    if (vs[S_RELAY] >= 0 && ClientAt(m, vs[S_RELAY], ve[S_RELAY], ip, host, &port) && !memchr(m.t + ip[0], '/', ip[1] - ip[0])) {
      row[C_RIP] = base + ip[0], row[C_RIP_END] = base + ip[1];
      frow[F_RPORT] = port;
    }
    if (vs[S_DELAY] >= 0) frow[F_DELAY] = DecimalAt(m, vs[S_DELAY], ve[S_DELAY], true);
    if (commentAt >= 0) {
      const int32_t end = m.t[m.n - 1] == ')' ? m.n - 1 : m.n;
      row[C_COMMENT] = base + commentAt, row[C_COMMENT_END] = base + end;
      // /queued as ([0-9A-Za-z]+)\)?$/ on the comment.
      int32_t e = end > commentAt && m.t[end - 1] == ')' ? end - 1 : end, s = e;
      while (s > commentAt && (Digit(m.t[s - 1]) || ((m.t[s - 1] | 32) >= 'a' && (m.t[s - 1] | 32) <= 'z'))) s--;
      if (s < e && s - commentAt >= 10 && memcmp(m.t + s - 10, "queued as ", 10) == 0) row[C_RELAYED] = base + s, row[C_RELAYED_END] = base + e;
    }
  } else {
    return KIND_OTHER;
  }
  for (int s = 0; s < NSLOTS; s++) {
    row[C_SLOTS + s] = vs[s] < 0 ? -1 : base + vs[s];
    row[C_SLOTS + NSLOTS + s] = vs[s] < 0 ? -1 : base + ve[s];
  }
  return kind;
}

napi_value Scan(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 5) return Fail(env, "scan(buf, length, i32, f64, year)");
  void* bufData;
  size_t bufLen;
  bool isBuf = false;
  if (napi_is_buffer(env, argv[0], &isBuf) != napi_ok || !isBuf || napi_get_buffer_info(env, argv[0], &bufData, &bufLen) != napi_ok)
    return Fail(env, "scan: buf must be a Buffer");
  int64_t want, year;
  if (napi_get_value_int64(env, argv[1], &want) != napi_ok || want < 0 || size_t(want) > bufLen) return Fail(env, "scan: length out of range");
  int32_t* i32;
  double* f64;
  size_t ni, nf;
  if (!Typed(env, argv[2], napi_int32_array, reinterpret_cast<void**>(&i32), &ni)) return Fail(env, "scan: i32 must be an Int32Array");
  if (!Typed(env, argv[3], napi_float64_array, reinterpret_cast<void**>(&f64), &nf)) return Fail(env, "scan: f64 must be a Float64Array");
  if (napi_get_value_int64(env, argv[4], &year) != napi_ok) return Fail(env, "scan: year must be a number");
  size_t cap = ni / I32 < nf / F64 ? ni / I32 : nf / F64;

  const unsigned char* text = static_cast<const unsigned char*>(bufData);
  const size_t length = size_t(want);
  size_t at = 0, r = 0;
  int64_t dayKey = -1, dayMicros = 0;
  while (r < cap && at < length) {
    const unsigned char* nlp = static_cast<const unsigned char*>(memchr(text + at, '\n', length - at));
    if (!nlp) break;
    const size_t nl = nlp - text;
    const unsigned char* p = text + at;
    int32_t* row = i32 + r * I32;
    double* frow = f64 + r * F64;
    for (int k = 0; k < I32; k++) row[k] = -1;
    for (int k = 0; k < F64; k++) frow[k] = NaN;
    row[C_START] = int32_t(at);
    row[C_END] = int32_t(nl);
    row[C_KIND] = KIND_NOT_POSTFIX;
    // The header, as scan.cc (no validation); the day's midnight computed once a day.
    auto d = [p](int i) { return int(p[i]) - 48; };
    if (nl - at >= 15) {
      const int month = Month(p), day = (p[4] == ' ' ? 0 : d(4)) * 10 + d(5);
      const int second = ((d(7) * 10 + d(8)) * 60 + d(10) * 10 + d(11)) * 60 + d(13) * 10 + d(14);
      const int64_t key = month * 32 + day;
      if (key != dayKey) dayKey = key, dayMicros = DaysFromCivil(year, month, day) * 86400 * 1000000;
      frow[F_TS] = month == 0 ? NaN : double(dayMicros + int64_t(second) * 1000000);
    }
    int32_t hostEnd = -1, tagEnd = -1, progEnd = -1;
    if (at + 16 <= nl) {
      const void* sp = memchr(text + at + 16, ' ', nl - (at + 16));
      if (sp) hostEnd = int32_t(static_cast<const unsigned char*>(sp) - text);
    }
    if (hostEnd >= 0) {
      for (size_t i = hostEnd + 1; i + 1 < nl; i++) {
        if (text[i] == ':' && text[i + 1] == ' ') {
          tagEnd = int32_t(i);
          break;
        }
      }
    }
    if (tagEnd >= 0) {
      progEnd = tagEnd;
      if (tagEnd > hostEnd + 1 && text[tagEnd - 1] == ']') {
        int32_t i = tagEnd - 2, v = 0, mul = 1;
        while (i > hostEnd && Digit(text[i])) v += (text[i] - '0') * mul, mul *= 10, i--;
        if (i > hostEnd && text[i] == '[' && i < tagEnd - 2) frow[F_PID] = v, progEnd = i;
      }
      row[C_HOST_END] = hostEnd, row[C_TAG_END] = tagEnd, row[C_PROG_END] = progEnd, row[C_MSG] = tagEnd + 2;
      // `postfix/<daemon>` or `postfix-<instance>/.../<daemon>`: the daemon after the last '/'.
      const unsigned char* prog = text + hostEnd + 1;
      const int32_t plen = progEnd - hostEnd - 1;
      if (plen > 8 && memcmp(prog, "postfix", 7) == 0 && (prog[7] == '/' || prog[7] == '-')) {
        int32_t first = 7;
        if (prog[7] == '-') {
          first = 8;
          while (first < plen && (Word(prog[first]) || prog[first] == '.')) first++;
          if (first == 8 || first >= plen || prog[first] != '/') first = -1;
        }
        if (first > 0) {
          int32_t last = plen - 1;
          while (prog[last] != '/') last--;
          row[C_DAEMON] = hostEnd + 1 + last + 1;
          const bool pickup = plen - last - 1 == 6 && memcmp(prog + last + 1, "pickup", 6) == 0;
          const Msg m{text + tagEnd + 2, int32_t(nl) - (tagEnd + 2)};
          row[C_KIND] = ReadPostfix(m, tagEnd + 2, pickup, row, frow);
        }
      }
    }
    r++;
    at = nl + 1;
  }
  return LinesAndNext(env, uint32_t(r), uint32_t(at));
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, w;
  napi_create_function(env, "scan", NAPI_AUTO_LENGTH, Scan, nullptr, &fn);
  napi_set_named_property(env, exports, "scan", fn);
  napi_create_int32(env, I32, &w);
  napi_set_named_property(env, exports, "I32", w);
  napi_create_int32(env, F64, &w);
  napi_set_named_property(env, exports, "F64", w);
  return exports;
}

}  // namespace

NAPI_MODULE(flowlink_native_postfix, Init)
