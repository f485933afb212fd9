import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * Security headers on every response the gateway sends, in every mode.
 *
 * - The API answers JSON only: a content security policy that allows nothing (`default-src 'none'`)
 *   and may not be framed, so an answer opened in a browser can run no script and load nothing.
 * - Anything served as HTML gets HTML_CONTENT_SECURITY_POLICY instead: its own scripts, styles and
 *   images, nothing from elsewhere, never framed. When the console signs in with an OpenID Connect
 *   provider, the console's pages may also connect to that provider's origin (its discovery
 *   document and token endpoint), and to nothing else: see htmlContentSecurityPolicy.
 * - `nosniff`: a browser never reads a JSON answer as script or HTML.
 * - `no-referrer`: no gateway URL is sent on to another site.
 * - `no-store`: answers carry records about people and are never kept by a browser or a proxy.
 * - `strict-transport-security` only when the request arrived over TLS: at the gateway itself, or at
 *   a configured trusted proxy that says so in `x-forwarded-proto`. Sent over plain http it would be
 *   ignored at best, and a proxy nobody configured must not be able to switch it on.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";
export const HTML_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The HTML policy, with `connect-src` widened to the given origins (scheme, host and port only,
 * as `URL.origin` gives them). Nothing else in the policy changes: scripts, styles, forms and
 * framing stay the console's own.
 */
export function htmlContentSecurityPolicy(connectOrigins: readonly string[] = []): string {
  for (const origin of connectOrigins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin) {
      throw new Error(`Not an http(s) origin for the content security policy: ${JSON.stringify(origin)}`);
    }
  }
  if (connectOrigins.length === 0) return HTML_CONTENT_SECURITY_POLICY;
  return HTML_CONTENT_SECURITY_POLICY.replace("connect-src 'self'", ["connect-src 'self'", ...new Set(connectOrigins)].join(' '));
}

export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

export interface TransportTrust {
  /** Addresses of reverse proxies whose `x-forwarded-proto` is believed. */
  trustProxy: readonly string[];
}

/** The socket's peer address without the IPv4-mapped IPv6 prefix (`::ffff:127.0.0.1` is 127.0.0.1). */
function peerAddress(req: IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress;
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/** Whether the request reached the client's side over TLS (see the module comment). */
export function arrivedOverTls(req: IncomingMessage, trust: TransportTrust): boolean {
  if ((req.socket as TLSSocket).encrypted === true) return true;
  const address = peerAddress(req);
  if (address === undefined || !trust.trustProxy.includes(address)) return false;
  const forwarded = req.headers['x-forwarded-proto'];
  // The proxy nearest the client is first; a proxy appends, so only the first value is the client's.
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/** Sets the API's security headers; a handler serving HTML calls useHtmlPolicy afterwards. */
export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse, trust: TransportTrust): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('content-security-policy', API_CONTENT_SECURITY_POLICY);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('cache-control', 'no-store');
  if (arrivedOverTls(req, trust)) res.setHeader('strict-transport-security', STRICT_TRANSPORT_SECURITY);
}

/** For a response served as HTML: the HTML policy (by default HTML_CONTENT_SECURITY_POLICY) replaces the API's. */
export function useHtmlPolicy(res: ServerResponse, policy: string = HTML_CONTENT_SECURITY_POLICY): void {
  res.setHeader('content-security-policy', policy);
}

/** Whether a content type is HTML (then the HTML policy applies). */
export const isHtml = (contentType: string | undefined): boolean => contentType !== undefined && /^\s*text\/html\b/i.test(contentType);
