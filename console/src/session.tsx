import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createApiClient, type ApiClient } from './api';
import { graphql } from './gql';
import { isSignOutReturn, startSignOut } from './oidc';

/**
 * Who is signed in, and for how long. The token lives in this module's memory only: never in
 * localStorage, sessionStorage, a cookie or a URL, so closing or reloading the tab signs out.
 * After `session.idleMinutes` without a key press, click or touch the console signs out, warning
 * `session.warningMinutes` before. Signed in through the identity provider, the ID token is kept
 * in memory too, and signing out sends the browser to the provider to end its session there when
 * the provider offers that (oidc.ts, startSignOut); timing out only forgets the tokens.
 */

export interface ConsoleSettings {
  mode: 'development' | 'production';
  signIn: { demo: boolean; oidc?: { issuer: string; clientId: string; scope: string } };
  session: { idleMinutes: number; warningMinutes: number };
}

export interface SignedInUser {
  id: string;
  issuer: string;
  name: string;
  agency: string;
  roles: string[];
  school: string | null;
}

export type SignedOutReason = 'signed-out' | 'timed-out' | 'token-expired';

export interface Session {
  settings: ConsoleSettings;
  user: SignedInUser | undefined;
  api: ApiClient;
  /** Why the last session ended, for the sign-in page to say. */
  ended: SignedOutReason | undefined;
  /** Signs in with a token (from the demo sign-in or the identity provider, with its ID token). */
  signIn(token: string, expiresInSeconds: number, idToken?: string): Promise<void>;
  signOut(reason?: SignedOutReason): void;
  /** When the idle warning is showing: the time the session ends. */
  warningUntil: number | undefined;
  staySignedIn(): void;
  hasRole(...roles: string[]): boolean;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside SessionProvider');
  return session;
}

const MeQuery = graphql(`
  query ConsoleMe {
    me {
      id
      issuer
      name
      agency
      roles
      school
    }
  }
`);

const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'touchstart'] as const;

export function SessionProvider({ settings, children }: { settings: ConsoleSettings; children: ReactNode }) {
  const token = useRef<string | undefined>(undefined);
  const idToken = useRef<string | undefined>(undefined);
  const expiresAt = useRef<number>(0);
  const lastActivity = useRef<number>(Date.now());
  const [user, setUser] = useState<SignedInUser | undefined>(undefined);
  // Back from the provider's end_session_endpoint: the sign-in page says so.
  const [ended, setEnded] = useState<SignedOutReason | undefined>(() => (settings.signIn.oidc !== undefined && isSignOutReturn() ? 'signed-out' : undefined));
  const [warningUntil, setWarningUntil] = useState<number | undefined>(undefined);

  const signOut = useCallback(
    (reason: SignedOutReason = 'signed-out') => {
      const hint = idToken.current;
      token.current = undefined;
      idToken.current = undefined;
      expiresAt.current = 0;
      setUser(undefined);
      setWarningUntil(undefined);
      setEnded(reason);
      // RP-initiated logout: the person chose to sign out, so the provider's session ends too.
      const oidc = settings.signIn.oidc;
      if (reason === 'signed-out' && hint !== undefined && oidc !== undefined) void startSignOut(oidc, hint);
    },
    [settings],
  );

  const api = useMemo(() => createApiClient(() => token.current, () => signOut('token-expired')), [signOut]);

  const signIn = useCallback(
    async (newToken: string, expiresInSeconds: number, newIdToken?: string) => {
      token.current = newToken;
      idToken.current = newIdToken;
      expiresAt.current = Date.now() + expiresInSeconds * 1000;
      lastActivity.current = Date.now();
      try {
        const { me } = await api.request(MeQuery, {});
        setEnded(undefined);
        setUser(me);
      } catch (error) {
        token.current = undefined;
        idToken.current = undefined;
        throw error;
      }
    },
    [api],
  );

  // Activity keeps the session alive; the check runs every few seconds while signed in.
  useEffect(() => {
    if (user === undefined) return;
    const touch = () => {
      lastActivity.current = Date.now();
    };
    for (const event of ACTIVITY_EVENTS) window.addEventListener(event, touch, { passive: true });
    const idleMs = settings.session.idleMinutes * 60_000;
    const warningMs = settings.session.warningMinutes * 60_000;
    const check = () => {
      const now = Date.now();
      const endsAt = lastActivity.current + idleMs;
      if (now >= endsAt) signOut('timed-out');
      else if (now >= expiresAt.current) signOut('token-expired');
      else if (now >= endsAt - warningMs) setWarningUntil((current) => current ?? endsAt);
      else setWarningUntil(undefined);
    };
    const timer = window.setInterval(check, 5_000);
    return () => {
      window.clearInterval(timer);
      for (const event of ACTIVITY_EVENTS) window.removeEventListener(event, touch);
    };
  }, [user, settings, signOut]);

  const staySignedIn = useCallback(() => {
    lastActivity.current = Date.now();
    setWarningUntil(undefined);
  }, []);

  const hasRole = useCallback((...roles: string[]) => user !== undefined && roles.some((role) => user.roles.includes(role)), [user]);

  const session = useMemo<Session>(
    () => ({ settings, user, api, ended, signIn, signOut, warningUntil, staySignedIn, hasRole }),
    [settings, user, api, ended, signIn, signOut, warningUntil, staySignedIn, hasRole],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
