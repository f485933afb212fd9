import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api';
import { ErrorSummary, usePageTitle } from '../../components/common';
import { useNavigation } from '../../navigation';
import { completeSignIn, isCallback, startSignIn } from '../../oidc';
import { useSession } from '../../session';

interface DemoUser {
  id: string;
  label: string;
  description: string;
  name: string;
  agency: string;
  roles: string[];
}

const ENDED: Record<string, string> = {
  'timed-out': 'You were signed out because you did nothing for a while. Sign in again to carry on.',
  'token-expired': 'Your sign-in has expired. Sign in again to carry on.',
  'signed-out': 'You have signed out.',
};

/**
 * Sign in. In development the sandbox's demo users, one per kind of user, signed in through the
 * demo issuer; the gateway offers none in production, where the organisation's identity provider
 * (`console.oidc`) is the only way in: the button sends the browser there, and this screen, opened
 * again at /signed-in, completes the sign-in (see oidc.ts).
 */
export function SignInScreen() {
  usePageTitle('Sign in');
  const { settings, signIn, ended } = useSession();
  const [users, setUsers] = useState<DemoUser[] | undefined>(undefined);
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const { replace } = useNavigation();
  const oidc = settings.signIn.oidc;
  const [returning, setReturning] = useState(() => oidc !== undefined && isCallback());
  const completing = useRef(false);

  // Back from the identity provider: exchange the code once, then carry on as signed in.
  useEffect(() => {
    if (!returning || oidc === undefined || completing.current) return;
    completing.current = true;
    completeSignIn(oidc, () => replace('/'))
      .then(({ token, expiresInSeconds, idToken }) => signIn(token, expiresInSeconds, idToken))
      .catch((caught: unknown) => setError(caught instanceof ApiError ? caught : new ApiError('Sign-in failed.', 'UNAUTHENTICATED', undefined)))
      .finally(() => setReturning(false));
  }, [returning, oidc, replace, signIn]);

  async function signInWithProvider() {
    if (oidc === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      await startSignIn(oidc);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError('Sign-in could not start.', 'UNAUTHENTICATED', undefined));
      setBusy(false);
    }
  }

  useEffect(() => {
    if (!settings.signIn.demo) return;
    fetch('/console/demo-users', { cache: 'no-store' })
      .then(async (response) => setUsers(((await response.json()) as { users: DemoUser[] }).users))
      .catch(() => setError(new ApiError('The list of demo users could not be loaded.', 'NETWORK_ERROR', undefined)));
  }, [settings.signIn.demo]);

  async function signInAsDemoUser() {
    if (chosen === '') {
      setMissing(true);
      return;
    }
    setMissing(false);
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch('/console/demo-sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: chosen }), cache: 'no-store' });
      const body = (await response.json()) as { token?: string; expiresInSeconds?: number; errors?: { message: string; extensions?: { code?: string } }[] };
      if (!response.ok || body.token === undefined) {
        const first = body.errors?.[0];
        throw new ApiError(first?.message ?? `Sign-in failed (${response.status}).`, first?.extensions?.code ?? 'UNAUTHENTICATED', response.headers.get('x-request-id') ?? undefined);
      }
      await signIn(body.token, body.expiresInSeconds ?? 3600);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError('Sign-in failed.', 'INTERNAL_ERROR', undefined));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {ended ? (
        <div className="govuk-notification-banner" role="region" aria-labelledby="signed-out-title">
          <div className="govuk-notification-banner__header">
            <h2 className="govuk-notification-banner__title" id="signed-out-title">
              Signed out
            </h2>
          </div>
          <div className="govuk-notification-banner__content">
            <p className="govuk-notification-banner__heading">{ENDED[ended]}</p>
          </div>
        </div>
      ) : null}
      {missing ? (
        <div className="govuk-error-summary" role="alert" tabIndex={-1}>
          <h2 className="govuk-error-summary__title">There is a problem</h2>
          <div className="govuk-error-summary__body">
            <ul className="govuk-list govuk-error-summary__list">
              <li>
                <a href="#demo-user">Choose who to sign in as</a>
              </li>
            </ul>
          </div>
        </div>
      ) : null}
      {error ? <ErrorSummary error={error} /> : null}
      <h1 className="govuk-heading-l">Sign in</h1>
      {settings.signIn.demo ? (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void signInAsDemoUser();
          }}
        >
          <div className={`govuk-form-group${missing ? ' govuk-form-group--error' : ''}`}>
            <fieldset className="govuk-fieldset" aria-describedby={`demo-user-hint${missing ? ' demo-user-error' : ''}`}>
              <legend className="govuk-fieldset__legend govuk-fieldset__legend--m">Sign in as a demo user</legend>
              <div id="demo-user-hint" className="govuk-hint">
                The sandbox's synthetic people, one for each kind of user. Tokens come from the demo issuer, which production mode refuses.
              </div>
              {missing ? (
                <p id="demo-user-error" className="govuk-error-message">
                  <span className="govuk-visually-hidden">Error:</span> Choose who to sign in as
                </p>
              ) : null}
              <div className="govuk-radios" data-module="govuk-radios">
                {(users ?? []).map((user, index) => (
                  <div className="govuk-radios__item" key={user.id}>
                    <input className="govuk-radios__input" id={index === 0 ? 'demo-user' : `demo-user-${user.id}`} name="demo-user" type="radio" value={user.id} checked={chosen === user.id} onChange={() => setChosen(user.id)} aria-describedby={`demo-user-${user.id}-hint`} />
                    <label className="govuk-label govuk-radios__label" htmlFor={index === 0 ? 'demo-user' : `demo-user-${user.id}`}>
                      {user.label}
                    </label>
                    <div id={`demo-user-${user.id}-hint`} className="govuk-hint govuk-radios__hint">
                      {user.name}, {user.agency}. {user.description}
                    </div>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <button type="submit" className="govuk-button" disabled={busy}>
            Sign in
          </button>
        </form>
      ) : oidc ? (
        returning ? (
          <p className="govuk-body" role="status" aria-live="polite">
            Signing you in…
          </p>
        ) : (
          <>
            <p className="govuk-body">Sign in with your organisation's account. You will go to your organisation's sign-in page and come back here.</p>
            <button type="button" className="govuk-button" disabled={busy} onClick={() => void signInWithProvider()}>
              Sign in with your organisation
            </button>
          </>
        )
      ) : (
        <p className="govuk-body">No identity provider is configured for the console (console.oidc), so nobody can sign in here. Ask the gateway's operators.</p>
      )}
    </>
  );
}
