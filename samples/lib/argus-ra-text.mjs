// Argus `ra -L0` text as the samples write it: column layout, dated stamps, and flows cut into
// status records the way argus reports a long flow.
const S = 1_000_000;

export const pad2 = (n) => String(n).padStart(2, '0');
export function argusStamp(us) {
  const d = new Date(Math.floor(us / 1000));
  const micro = String(Math.round(us % S)).padStart(6, '0');
  return `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${micro}`;
}

// Column layout of `ra -L0 -s stime ltime flgs proto saddr sport dir daddr dport pkts bytes state`
// with RA_TIME_FORMAT="%Y/%m/%d %T.%f": values right-aligned to the label's end, Flgs left-aligned,
// `addr.port` with the port left-aligned after the address column.
const COLUMNS = [
  ['StartTime', 28], ['LastTime', 27], ['Flgs', 10], ['Proto', 7], ['SrcAddr', 19], ['Sport', 7],
  ['Dir', 6], ['DstAddr', 19], ['Dport', 7], ['TotPkts', 9], ['TotBytes', 11], ['State', 6],
];
export const ARGUS_HEADER = COLUMNS.map(([label, width]) => label.padStart(width)).join('') + ' ';
export function argusRow(f) {
  const w = Object.fromEntries(COLUMNS);
  return (
    argusStamp(f.start).padStart(w.StartTime) +
    argusStamp(f.end).padStart(w.LastTime) +
    ('  ' + (f.flags ?? 'e')).padEnd(w.Flgs) +
    String(f.proto).padStart(w.Proto) +
    f.src.padStart(w.SrcAddr) + ('.' + f.sport).padEnd(w.Sport) +
    f.dir.padStart(w.Dir - 1) + ' ' +
    f.dst.padStart(w.DstAddr) + ('.' + f.dport).padEnd(w.Dport) +
    String(f.pkts).padStart(w.TotPkts) +
    String(f.bytes).padStart(w.TotBytes) +
    f.state.padStart(w.State)
  );
}

/**
 * flow(spec) pushes a flow onto `records` as argus reports it: one record per 5 s status
 * interval while active, the last with the final state.
 */

export function argusFlows({ int, between }, records) {
  return function flow({ start, end, proto = 6, src, sport, dst, dport, pkts, bytes, dir = '->', state, flags = 'e', interval = 5 * S }) {
    const final = state ?? (proto === 6 ? 'FIN' : 'CON');
    const duration = end - start;
    // argus reports an interval only when packets were seen in it.
    const n = Math.max(1, Math.min(pkts, Math.ceil(duration / interval)));
    let restPkts = pkts;
    let restBytes = bytes;
    for (let i = 0; i < n; i++) {
      const s = start + i * interval;
      const e = i === n - 1 ? end : s + interval - int(1000, 400000);
      const p = i === n - 1 ? restPkts : Math.min(restPkts - (n - 1 - i), Math.max(1, Math.round((pkts / n) * between(0.9, 1.1))));
      const b = i === n - 1 ? restBytes : Math.min(restBytes - (n - 1 - i) * 60, Math.round((bytes / pkts) * p));
      restPkts -= p;
      restBytes -= b;
      const st = i === n - 1 ? final : proto === 17 ? (i === 0 ? 'INT' : 'CON') : 'CON';
      records.push({ start: s, end: Math.max(s, e), proto, src, sport, dst, dport, pkts: p, bytes: b, dir, state: st, flags });
    }
  };
}
