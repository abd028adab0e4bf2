// The syslog floor's reading in C++ (bench/native-floor.mjs): what a native scanning core
// would cost per line, to weigh against the JavaScript floor and lnav. Only <node_api.h>,
// built by the bench script with g++ (no build tool, no npm package).
//
//   scan(buf, length, ts, starts, ends, hostEnds, tagEnds, pids, msgStarts) -> [lines, next]
//
// For the whole RFC 3164 lines (`Mar  8 03:33:10 host prog[pid]: msg`) in buf[0, length):
// per line its start, end (the '\n'), the stamp as the JS floor computes it, host end, tag
// end (the ': '), pid (-1 when the tag has none) and message start, into the caller's typed
// arrays (Float64Array ts, Int32Array the rest), reused per chunk. Stops at the arrays'
// capacity; `next` is where the first unscanned line starts (the carry). No validation, as
// the JS floor: a missing space or ': ' gives -1 (searched within the line only).
#include <node_api.h>

#include <cstdint>
#include <cstring>

namespace {

#include "common.h"

napi_value Scan(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 9) return Fail(env, "scan(buf, length, ts, starts, ends, hostEnds, tagEnds, pids, msgStarts)");

  void* bufData;
  size_t bufLen;
  bool isBuf = false;
  if (napi_is_buffer(env, argv[0], &isBuf) != napi_ok || !isBuf ||
      napi_get_buffer_info(env, argv[0], &bufData, &bufLen) != napi_ok)
    return Fail(env, "scan: buf must be a Buffer");
  int64_t want;
  if (napi_get_value_int64(env, argv[1], &want) != napi_ok || want < 0 || size_t(want) > bufLen)
    return Fail(env, "scan: length out of range");

  double* ts;
  int32_t* col[6];  // starts, ends, hostEnds, tagEnds, pids, msgStarts
  size_t cap, n;
  if (!Typed(env, argv[2], napi_float64_array, reinterpret_cast<void**>(&ts), &cap))
    return Fail(env, "scan: ts must be a Float64Array");
  for (int k = 0; k < 6; k++) {
    if (!Typed(env, argv[3 + k], napi_int32_array, reinterpret_cast<void**>(&col[k]), &n))
      return Fail(env, "scan: columns must be Int32Arrays");
    if (n < cap) cap = n;
  }
  int32_t *starts = col[0], *ends = col[1], *hostEnds = col[2], *tagEnds = col[3], *pids = col[4],
          *msgStarts = col[5];

  const unsigned char* text = static_cast<const unsigned char*>(bufData);
  const size_t length = size_t(want);
  size_t at = 0, row = 0;
  while (row < cap && at < length) {
    const unsigned char* nlp = static_cast<const unsigned char*>(memchr(text + at, '\n', length - at));
    if (!nlp) break;
    const size_t nl = nlp - text;
    const unsigned char* p = text + at;
    // The same arithmetic as the JS floor, digits unchecked; a line too short for a stamp
    // gets NaN (not read past its end).
    auto d = [p](int i) { return int(p[i]) - 48; };
    double stamp = __builtin_nan("");
    if (nl - at >= 15) {
      const int month = Month(p);
      const int day = (p[4] == ' ' ? 0 : d(4)) * 10 + d(5);
      const int second = ((d(7) * 10 + d(8)) * 60 + d(10) * 10 + d(11)) * 60 + d(13) * 10 + d(14);
      stamp = double((month * 31 + day) * 86400 + second) * 1e6;
    }
    int32_t hostEnd = -1, tagEnd = -1, pid = -1;
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
    // `prog[123]: `: the digits back from the ']'.
    if (tagEnd > hostEnd + 1 && text[tagEnd - 1] == ']') {
      int32_t i = tagEnd - 2, v = 0, mul = 1;
      while (i > hostEnd && text[i] >= '0' && text[i] <= '9') {
        v += (text[i] - '0') * mul;
        mul *= 10;
        i--;
      }
      if (i > hostEnd && text[i] == '[' && i < tagEnd - 2) pid = v;
    }
    ts[row] = stamp;
    starts[row] = int32_t(at);
    ends[row] = int32_t(nl);
    hostEnds[row] = hostEnd;
    tagEnds[row] = tagEnd;
    pids[row] = pid;
    msgStarts[row] = tagEnd + 2;
    row++;
    at = nl + 1;
  }

  return LinesAndNext(env, uint32_t(row), uint32_t(at));
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "scan", NAPI_AUTO_LENGTH, Scan, nullptr, &fn);
  napi_set_named_property(env, exports, "scan", fn);
  return exports;
}

}  // namespace

NAPI_MODULE(flowlink_native_scan, Init)
