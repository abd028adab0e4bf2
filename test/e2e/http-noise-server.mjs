// Background web traffic for the e2e scenarios: `GET /bytes/N` answers N bytes. Bound to one
// loopback address so its flows have their own server host. Run by run.sh, stopped by PID.
import http from 'node:http';

const [host, portText] = process.argv.slice(2);
const port = Number(portText);
if (!host || !Number.isInteger(port)) {
  console.error('usage: node http-noise-server.mjs ADDRESS PORT');
  process.exit(2);
}
const MAX = 4 << 20;
const chunk = Buffer.alloc(64 << 10, 0x61);

const server = http.createServer((req, res) => {
  const m = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
  const n = m ? Math.min(Number(m[1]), MAX) : 0;
  res.writeHead(m ? 200 : 404, { 'content-type': 'application/octet-stream', 'content-length': n });
  let left = n;
  // Bounded by n / 64 KiB writes.
  while (left > 0) {
    const part = Math.min(left, chunk.length);
    res.write(part === chunk.length ? chunk : chunk.subarray(0, part));
    left -= part;
  }
  res.end();
});
server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
