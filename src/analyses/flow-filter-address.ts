// IPv4 and IPv6 addresses as bytes, so that a filter's `host`/`net` compares numbers, not
// spellings: `2001:db8::1` and `2001:0db8:0:0::1` are one host.

export interface ParsedAddress {
  family: 4 | 6;
  bytes: Uint8Array;
  /** One spelling per address (the bytes in hex), for equality. */
  key: string;
}

function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

function ipv6Bytes(text: string): number[] | undefined {
  // A zone (fe80::1%eth0) names the interface, not the address.
  const bare = text.replace(/%[A-Za-z0-9_.-]+$/, '');
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = ipv4Bytes(g);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');

/** The address in `text`, or undefined when it is not one. */
export function parseAddress(text: string): ParsedAddress | undefined {
  const v4 = ipv4Bytes(text);
  if (v4) return { family: 4, bytes: Uint8Array.from(v4), key: hex(v4) };
  if (!text.includes(':')) return undefined;
  const v6 = ipv6Bytes(text);
  return v6 ? { family: 6, bytes: Uint8Array.from(v6), key: hex(v6) } : undefined;
}

/** True when the first `prefix` bits of `address` equal those of `net`. */
export function inPrefix(address: Uint8Array, net: Uint8Array, prefix: number): boolean {
  if (address.length !== net.length) return false;
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== net[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[whole] & mask) === (net[whole] & mask);
}
