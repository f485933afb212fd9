import { useCallback, useEffect, useId, useRef, useState, type ReactNode, type Ref } from 'react';
import { ApiError } from '../api';
import { useNavigation } from '../navigation';
import { useSession } from '../session';
import type { TypedDocumentString } from '../gql/graphql';

/** Sets the page title: the screen's name only, never a person's. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} - MASH console`;
  }, [title]);
}

export interface QueryState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

/** Runs a query when the screen opens (and when `variables` change); `skip` holds it back. */
export function useQuery<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables, options: { skip?: boolean } = {}): QueryState<TResult> {
  const { api } = useSession();
  const [state, setState] = useState<{ data: TResult | undefined; error: ApiError | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: !options.skip });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (options.skip) return;
    let current = true;
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    api.request(document, JSON.parse(key) as TVariables).then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => current && setState({ data: undefined, error: asApiError(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [api, document, key, generation, options.skip]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

/** A mutation's state: run it, see it running, see its error. */
export function useMutation<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>) {
  const { api } = useSession();
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const run = useCallback(
    async (variables: TVariables): Promise<TResult | undefined> => {
      setRunning(true);
      setError(undefined);
      try {
        return await api.request(document, variables);
      } catch (caught) {
        setError(asApiError(caught));
        return undefined;
      } finally {
        setRunning(false);
      }
    },
    [api, document],
  );
  return { run, running, error, clearError: () => setError(undefined) };
}

export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError('Something went wrong in the console.', 'INTERNAL_ERROR', undefined);
}

const FORBIDDEN = /^FORBIDDEN/;

/** What went wrong, in words, with the request id to quote; the gateway's message says what to do. */
export function ErrorSummary({ error, title }: { error: ApiError; title?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [error]);
  const heading = title ?? (FORBIDDEN.test(error.code) ? 'You cannot do this' : error.code === 'NETWORK_ERROR' ? 'The gateway could not be reached' : 'There is a problem');
  return (
    <div className="govuk-error-summary" data-module="govuk-error-summary" ref={ref} tabIndex={-1}>
      <div role="alert">
        <h2 className="govuk-error-summary__title">{heading}</h2>
        <div className="govuk-error-summary__body">
          <p className="govuk-body">{error.message}</p>
          <p className="govuk-body-s">
            Error code <code>{error.code}</code>
            {error.requestId ? (
              <>
                {' '}
                · request id <code data-testid="request-id">{error.requestId}</code> (quote it to the gateway's operators)
              </>
            ) : null}
          </p>
        </div>
      </div>
    </div>
  );
}

/** A whole-page error: the screen could not be shown. */
export function ErrorPage({ error }: { error: ApiError }) {
  const forbidden = FORBIDDEN.test(error.code);
  usePageTitle(forbidden ? 'You cannot use this screen' : 'Sorry, there is a problem');
  return (
    <>
      <h1 className="govuk-heading-l">{forbidden ? 'You cannot use this screen' : 'Sorry, there is a problem'}</h1>
      <ErrorSummary error={error} title={forbidden ? 'Access refused' : 'The gateway could not answer'} />
    </>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="govuk-body" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

const RAG_CLASS: Record<string, string> = { RED: 'govuk-tag--red', AMBER: 'govuk-tag--orange', GREEN: 'govuk-tag--green' };

export function RagTag({ rag }: { rag: string }) {
  return <strong className={`govuk-tag ${RAG_CLASS[rag] ?? 'govuk-tag--grey'}`}>{rag}</strong>;
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'Europe/London' });

export const formatDateTime = (iso: string | null | undefined): string => (iso ? DATE_TIME.format(new Date(iso)) : '—');
export const formatDate = (iso: string | null | undefined): string => (iso ? DATE.format(new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso)) : '—');

/** "3 h 20 min left", "overdue by 2 d 4 h". */
export function formatTimeLeft(seconds: number): string {
  const magnitude = Math.abs(seconds);
  const days = Math.floor(magnitude / 86_400);
  const hours = Math.floor((magnitude % 86_400) / 3600);
  const minutes = Math.floor((magnitude % 3600) / 60);
  const text = days > 0 ? `${days} d ${hours} h` : hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
  return seconds < 0 ? `overdue by ${text}` : `${text} left`;
}

/**
 * Every screen showing agency data says what it was disclosed for and under which law. The legal
 * basis is the legislation's address (the API gives no title for it): a link, opening in a new tab
 * so that following it does not leave the console (whose sign-in is kept in this page only).
 */
export function DisclosedUnder({ purpose, legalBasis, policyVersion }: { purpose: string; legalBasis?: string | null; policyVersion?: string | null }) {
  return (
    <div className="govuk-inset-text" data-testid="disclosed-under">
      Shared for the purpose <strong>{purpose}</strong>
      {legalBasis ? (
        <>
          {' '}
          under{' '}
          {/^https?:\/\//i.test(legalBasis) ? (
            <a className="govuk-link app-break-words" href={legalBasis} rel="noreferrer noopener" target="_blank">
              {legalBasis} (opens in new tab)
            </a>
          ) : (
            <strong className="app-break-words">{legalBasis}</strong>
          )}
        </>
      ) : null}
      {policyVersion ? <> (policy {policyVersion})</> : null}. Use it only for this purpose.
    </div>
  );
}

export function BackLink({ to, params, children }: { to: string; params?: Record<string, string>; children?: ReactNode }) {
  const { navigate } = useNavigation();
  return (
    <a
      href={to}
      className="govuk-back-link"
      onClick={(event) => {
        event.preventDefault();
        navigate(to, params);
      }}
    >
      {children ?? 'Back'}
    </a>
  );
}

export function SummaryList({ rows }: { rows: { key: string; value: ReactNode }[] }) {
  return (
    <dl className="govuk-summary-list">
      {rows.map((row) => (
        <div className="govuk-summary-list__row" key={row.key}>
          <dt className="govuk-summary-list__key">{row.key}</dt>
          <dd className="govuk-summary-list__value">{row.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The GOV.UK success banner: what was just done, announced to screen readers (role alert), with
 * anything more under its heading. Given a ref, the banner can take focus (a screen moves focus
 * to it when the outcome would otherwise be off-screen).
 */
export function SuccessBanner({ heading, children, className, bannerRef }: { heading: ReactNode; children?: ReactNode; className?: string; bannerRef?: Ref<HTMLDivElement> }) {
  const titleId = useId();
  return (
    <div
      className={`govuk-notification-banner govuk-notification-banner--success${className ? ` ${className}` : ''}`}
      role="alert"
      aria-labelledby={titleId}
      data-module="govuk-notification-banner"
      {...(bannerRef ? { ref: bannerRef, tabIndex: -1 } : {})}
    >
      <div className="govuk-notification-banner__header">
        <h2 className="govuk-notification-banner__title" id={titleId}>
          Success
        </h2>
      </div>
      <div className="govuk-notification-banner__content">
        <p className="govuk-notification-banner__heading">{heading}</p>
        {children}
      </div>
    </div>
  );
}
