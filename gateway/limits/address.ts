import type { IncomingMessage } from 'node:http';

/** The socket's peer address without the IPv4-mapped IPv6 prefix (`::ffff:127.0.0.1` is 127.0.0.1). */
function peerAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/**
 * The client's address for per-address limits: the socket's peer, or, when the peer is one of
 * the reverse proxies the gateway trusts (`http.trustProxy`), the rightmost X-Forwarded-For hop:
 * the address that proxy saw (hops to its left are whatever the client claimed).
 */
export function clientAddress(req: IncomingMessage, trustProxy: readonly string[]): string {
  const peer = peerAddress(req);
  if (!trustProxy.includes(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  const hops = (value ?? '').split(',').map((hop) => hop.trim()).filter(Boolean);
  return hops.at(-1) ?? peer;
}
