import * as oauth from 'oauth4webapi';
import { ApiError } from './api';

/**
 * Production sign-in: the OpenID Connect authorization code flow with PKCE (S256), run by the
 * browser against `console.oidc` (a public client: no client secret).
 *
 * The code verifier, state and nonce live in memory, except while the browser is away at the
 * identity provider: a redirect leaves the page, so they wait in sessionStorage (this tab only)
 * and are deleted the moment the browser is back, before anything else is done with the answer.
 * Tokens are never stored: the caller keeps the bearer and the ID token in memory. The code is
 * cleared from the address bar as soon as it is read.
 *
 * Sign-out ends the session at the provider too when its discovery document names an
 * end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0): the browser goes there with the
 * ID token as id_token_hint and comes back to the console's home page, signed out.
 */

export interface OidcSettings {
  issuer: string;
  clientId: string;
  scope: string;
  /** The audience the gateway expects in this issuer's tokens. */
  audience?: string;
}

/** Where the identity provider sends the browser back. */
export const CALLBACK_PATH = '/signed-in';
const PENDING_KEY = 'mash-console.oidc-pending';
/** Set while the browser is away at the provider's end_session_endpoint: the console says "signed out" when it is back. Holds no token. */
const SIGNED_OUT_KEY = 'mash-console.oidc-signed-out';

interface Pending {
  codeVerifier: string;
  state: string;
  nonce: string;
}

const redirectUri = () => `${window.location.origin}${CALLBACK_PATH}`;

/** Plain http is accepted only for a provider on this machine (local trials and tests). */
function requestOptions(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
  return issuer.protocol === 'http:' && loopback ? { [oauth.allowInsecureRequests]: true } : {};
}

let discovered: Promise<oauth.AuthorizationServer> | undefined;

/** The provider's metadata from its discovery document, fetched once per page. */
function discover(settings: OidcSettings): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(settings.issuer);
  discovered ??= oauth
    .discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(issuer) })
    .then((response) => oauth.processDiscoveryResponse(issuer, response))
    .catch((error: unknown) => {
      discovered = undefined;
      throw signInError(error, `The identity provider (${settings.issuer}) could not be reached or did not describe itself (OpenID Connect discovery).`);
    });
  return discovered;
}

function signInError(error: unknown, fallback: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof oauth.AuthorizationResponseError) {
    const description = error.error_description ? `: ${error.error_description}` : '';
    return new ApiError(`The identity provider refused the sign-in (${error.error}${description}). Sign in again, or ask your IT service desk.`, 'UNAUTHENTICATED', undefined);
  }
  if (error instanceof oauth.ResponseBodyError) {
    const description = error.error_description ? `: ${error.error_description}` : '';
    return new ApiError(`The identity provider refused the sign-in code (${error.error}${description}). Sign in again.`, 'UNAUTHENTICATED', undefined);
  }
  return new ApiError(fallback, 'UNAUTHENTICATED', undefined);
}

/** Sends the browser to the identity provider; it comes back to CALLBACK_PATH. */
export async function startSignIn(settings: OidcSettings): Promise<void> {
  const as = await discover(settings);
  if (as.authorization_endpoint === undefined) throw new ApiError(`The identity provider (${settings.issuer}) names no authorization endpoint.`, 'UNAUTHENTICATED', undefined);
  const pending: Pending = { codeVerifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce() };
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', settings.scope);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  window.sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  window.location.assign(url.href);
}

/** Whether this page load is the identity provider sending the browser back. */
export const isCallback = (): boolean => window.location.pathname === CALLBACK_PATH;

/** Reads and deletes what startSignIn kept for the redirect. */
function takePending(): Pending | undefined {
  const raw = window.sessionStorage.getItem(PENDING_KEY);
  window.sessionStorage.removeItem(PENDING_KEY);
  if (raw === null) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<Pending>;
    return typeof value.codeVerifier === 'string' && typeof value.state === 'string' && typeof value.nonce === 'string' ? (value as Pending) : undefined;
  } catch {
    return undefined;
  }
}

/** The audiences of a JWT, read without verifying it (the gateway verifies); none if not a JWT. */
function audiences(token: string | undefined): string[] {
  const payload = token?.split('.')[1];
  if (payload === undefined || token!.split('.').length !== 3) return [];
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { aud?: unknown };
    return typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((aud): aud is string => typeof aud === 'string') : [];
  } catch {
    return [];
  }
}

function expiresIn(token: string, fallbackSeconds: number | undefined): number {
  try {
    const claims = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    if (typeof claims.exp === 'number') return Math.max(0, claims.exp - Math.floor(Date.now() / 1000));
  } catch {
    // not a JWT: the token endpoint's expires_in, if any
  }
  return fallbackSeconds ?? 300;
}

/**
 * Completes the sign-in on the way back from the identity provider: checks the state, exchanges
 * the code with the PKCE verifier, validates the ID token (issuer, audience, nonce, expiry), and
 * returns the token the gateway accepts (the one issued for the gateway's audience) and the ID
 * token, kept in memory for the provider's sign-out (id_token_hint).
 * `clearAddress` is called as soon as the answer has been read, so the code leaves the address bar
 * whatever happens next.
 */
export async function completeSignIn(settings: OidcSettings, clearAddress: () => void): Promise<{ token: string; expiresInSeconds: number; idToken: string | undefined }> {
  const answer = new URL(window.location.href);
  const pending = takePending();
  clearAddress();
  if (pending === undefined) {
    throw new ApiError('This browser tab did not start the sign-in it was sent back from, so the answer was refused. Sign in again from this tab.', 'UNAUTHENTICATED', undefined);
  }
  const as = await discover(settings);
  const client: oauth.Client = { client_id: settings.clientId };
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(as, client, answer, pending.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) throw signInError(error, '');
    throw new ApiError('The answer from the identity provider does not match the sign-in this browser started (its state differs), so it was refused. Sign in again.', 'UNAUTHENTICATED', undefined);
  }
  let result: oauth.TokenEndpointResponse;
  try {
    const issuer = new URL(settings.issuer);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), parameters, redirectUri(), pending.codeVerifier, requestOptions(issuer));
    result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
  } catch (error) {
    throw signInError(error, 'The identity provider\'s answer to the sign-in code could not be accepted (its ID token was not for this console, this sign-in or this provider). Sign in again.');
  }
  const audience = settings.audience;
  const candidates = [result.access_token, result.id_token].filter((token): token is string => typeof token === 'string');
  const token = audience === undefined ? result.id_token : candidates.find((candidate) => audiences(candidate).includes(audience));
  if (token === undefined) {
    throw new ApiError(`The identity provider issued no token for this gateway (audience "${audience ?? ''}"). Ask the gateway's operators to check the console's client registration.`, 'UNAUTHENTICATED', undefined);
  }
  return { token, expiresInSeconds: expiresIn(token, result.expires_in), idToken: result.id_token };
}

/**
 * RP-initiated logout: when the provider's discovery document names an end_session_endpoint,
 * sends the browser there with id_token_hint (the ID token of this sign-in), client_id and
 * post_logout_redirect_uri (the console's home page, origin + '/', registered with the provider
 * like the sign-in callback); the provider ends its session and sends the browser back. Resolves
 * false, having done nothing, when the provider names no such endpoint or cannot be reached: the
 * console's own sign-out (forgetting the token) is then all there is.
 */
export async function startSignOut(settings: OidcSettings, idToken: string): Promise<boolean> {
  let endpoint: string | undefined;
  try {
    endpoint = (await discover(settings)).end_session_endpoint;
  } catch {
    return false;
  }
  if (endpoint === undefined) return false;
  const url = new URL(endpoint);
  url.searchParams.set('id_token_hint', idToken);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('post_logout_redirect_uri', `${window.location.origin}/`);
  window.sessionStorage.setItem(SIGNED_OUT_KEY, '1');
  window.location.assign(url.href);
  return true;
}

let returnedFromSignOut: boolean | undefined;

/** Whether this page load is the provider sending the browser back after signing out (read once per page; the marker is deleted). */
export function isSignOutReturn(): boolean {
  if (returnedFromSignOut === undefined) {
    returnedFromSignOut = window.sessionStorage.getItem(SIGNED_OUT_KEY) !== null;
    window.sessionStorage.removeItem(SIGNED_OUT_KEY);
  }
  return returnedFromSignOut;
}
