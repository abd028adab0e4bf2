// RFC 3164 stamps as syslogd writes them (no year, day padded with a space), in UTC.
import { pad2 } from './argus-ra-text.mjs';

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export function syslogStamp(us) {
  const d = new Date(Math.floor(us / 1000));
  return `${MON[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}
