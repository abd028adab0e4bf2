// Service names argus prints instead of port numbers when run without -nn
// (from /etc/services as Debian ships it; only the ones seen on real networks).
const PORTS: Record<string, number> = {
  'ftp-data': 20, ftp: 21, ssh: 22, telnet: 23, smtp: 25, time: 37, domain: 53, bootps: 67, bootpc: 68,
  tftp: 69, gopher: 70, finger: 79, http: 80, www: 80, kerberos: 88, pop3: 110, sunrpc: 111, auth: 113,
  nntp: 119, ntp: 123, epmap: 135, 'netbios-ns': 137, 'netbios-dgm': 138, 'netbios-ssn': 139, imap2: 143,
  imap: 143, snmp: 161, 'snmp-trap': 162, bgp: 179, irc: 194, ldap: 389, https: 443, 'microsoft-ds': 445,
  kpasswd: 464, urd: 465, submissions: 465, isakmp: 500, syslog: 514, printer: 515, submission: 587,
  ldaps: 636, rsync: 873, 'ftps-data': 989, ftps: 990, imaps: 993, pop3s: 995, socks: 1080, openvpn: 1194,
  'ms-sql-s': 1433, 'ms-sql-m': 1434, l2tp: 1701, pptp: 1723, radius: 1812, 'radius-acct': 1813, nfs: 2049,
  mysql: 3306, 'ms-wbt-server': 3389, sip: 5060, 'sip-tls': 5061, xmpp: 5222, postgresql: 5432, 'x11': 6000,
  'http-alt': 8080, mmcc: 5050,
};

/** A port as argus printed it: a number, a service name, or ICMP's packed `0x0403`. */
export function portFromText(text: string): number | null | undefined {
  if (text === '') return null;
  if (/^\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text, 16);
  const known = PORTS[text.toLowerCase()];
  return known; // undefined: a name we do not know, or one cut short with '*'
}

const PROTOCOLS: Record<string, number> = {
  icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, ipv6: 41, 'ipv6-route': 43, 'ipv6-frag': 44, rsvp: 46,
  gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, ospf: 89,
  ospfigp: 89, pim: 103, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136,
};

/** A protocol as printed: `6`, `tcp`, `ipv6-icmp` -> its number. */
export function protoFromText(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  return PROTOCOLS[text.toLowerCase()];
}

export function protoName(proto: number): string {
  for (const [name, num] of Object.entries(PROTOCOLS)) if (num === proto) return name;
  return String(proto);
}
