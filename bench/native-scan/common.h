// What the two bench addons share (scan.cc, postfix.cc): the month of an RFC 3164 stamp and
// the N-API argument checks and answer. Included into each one's anonymous namespace.
#pragma once

// The JS floor's MONTHS lookup, on the three bytes packed.
inline int Month(const unsigned char* p) {
  switch ((uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2]) {
    case ('J' << 16) | ('a' << 8) | 'n': return 1;
    case ('F' << 16) | ('e' << 8) | 'b': return 2;
    case ('M' << 16) | ('a' << 8) | 'r': return 3;
    case ('A' << 16) | ('p' << 8) | 'r': return 4;
    case ('M' << 16) | ('a' << 8) | 'y': return 5;
    case ('J' << 16) | ('u' << 8) | 'n': return 6;
    case ('J' << 16) | ('u' << 8) | 'l': return 7;
    case ('A' << 16) | ('u' << 8) | 'g': return 8;
    case ('S' << 16) | ('e' << 8) | 'p': return 9;
    case ('O' << 16) | ('c' << 8) | 't': return 10;
    case ('N' << 16) | ('o' << 8) | 'v': return 11;
    case ('D' << 16) | ('e' << 8) | 'c': return 12;
    default: return 0;
  }
}

bool Typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* len) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, len, data, nullptr, nullptr) != napi_ok) return false;
  return type == want;
}

napi_value Fail(napi_env env, const char* msg) {
  napi_throw_type_error(env, nullptr, msg);
  return nullptr;
}

// A scan's answer: [lines scanned, where the unscanned tail starts].
inline napi_value LinesAndNext(napi_env env, uint32_t lines, uint32_t next) {
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  napi_create_uint32(env, lines, &a);
  napi_create_uint32(env, next, &b);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}
