// A download server for the fetch tests: HTTP on 127.0.0.1 only (loopback, an ephemeral port), serving fixed
// bodies by path and 404 for anything else.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  body: Buffer;
  /** Send `content-length` (default true). Without it a short body looks complete to HTTP: the check must catch it. */
  contentLength?: boolean;
}

export interface DownloadServer {
  /** `http://127.0.0.1:<port>`, to which the routes' paths are appended. */
  base: string;
  close(): Promise<void>;
}

/** Start a server answering each `routes` path (e.g. `/good.npz`) with its body; close it in afterAll. */
export async function startDownloadServer(routes: Record<string, Served>): Promise<DownloadServer> {
  const server = http.createServer((req, res) => {
    const r = routes[req.url ?? ''];
    if (!r) {
      res.writeHead(404);
      res.end('not here');
      return;
    }
    res.writeHead(200, r.contentLength === false ? {} : { 'content-length': r.body.length });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A copy of `body` with one byte flipped: same length, wrong checksum. */
export function withFlippedByte(body: Buffer, at: number): Buffer {
  const bad = Buffer.from(body);
  bad[at] ^= 0xff;
  return bad;
}
