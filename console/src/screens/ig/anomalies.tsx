import { useRef, useState, type ReactNode } from 'react';
import { ErrorSummary, formatDateTime, Loading, SuccessBanner, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { AnomalyReviewOutcome, IgAnomaliesQuery } from '../../gql/graphql';
import { DateField, dateParts, dayAfter, ErrorMessage, FormErrorSummary, problemFor, readDate, type DateParts, type FieldProblem } from './form';

const AnomaliesQuery = graphql(`
  query IgAnomalies($from: DateTime!, $to: DateTime!) {
    auditAnomalies(from: $from, to: $to) {
      kind
      actorId
      actorIssuer
      eventIds
      at
      detail
      review {
        id
        outcome
        note
        reviewedAt
        reviewedBy
        reviewedByName
      }
    }
  }
`);

const ReviewAnomaly = graphql(`
  mutation IgReviewAnomaly($input: ReviewAnomalyInput!) {
    reviewAnomaly(input: $input) {
      id
      outcome
      reviewedAt
    }
  }
`);

type Anomaly = IgAnomaliesQuery['auditAnomalies'][number];

/** Each kind of anomaly in words. */
export const ANOMALY_KINDS: Record<string, string> = {
  'break-glass': 'Break-glass enquiry opened',
  'out-of-hours': 'Read outside working hours',
  'many-subjects': 'Many people read within an hour',
  'after-closure': 'Read attempted after the enquiry closed',
  'refusal-burst': 'Burst of refused requests',
  'shared-surname': 'Shares a family name with the person searched for or shown',
  'manager-join': "Manager joined an enquiry on a manager's authority",
};

const OUTCOME_WORDS: Record<AnomalyReviewOutcome, string> = { REVIEWED_NO_ACTION: 'Reviewed: no action needed', ACTION_TAKEN: 'Reviewed: action taken' };
const anomalyId = (anomaly: Anomaly) => `${anomaly.kind}|${anomaly.actorIssuer ?? ''}|${anomaly.actorId ?? ''}|${anomaly.eventIds.join(',')}`;
const FIELDS: Record<string, string> = { from: 'anomalies-from', to: 'anomalies-to' };
const REVIEW_FIELDS: Record<string, string> = { outcome: 'review-outcome', note: 'review-note', kind: 'review-outcome', eventIds: 'review-outcome', actorId: 'review-outcome', actorIssuer: 'review-outcome' };
const NOTE_MAX = 2000;

/** Anomalies IG should look at in a window, each with its review (sign-off) or a form to record one. */
export function AnomaliesScreen() {
  usePageTitle('Anomalies');
  const today = new Date();
  const weekAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 7);
  const [from, setFrom] = useState<DateParts>(dateParts(weekAgo));
  const [to, setTo] = useState<DateParts>(dateParts(today));
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [range, setRange] = useState(() => ({ from: readDate(dateParts(weekAgo), 'From').iso!, to: dayAfter(readDate(dateParts(today), 'To').iso!) }));
  const anomalies = useQuery(AnomaliesQuery, range);
  const [reviewing, setReviewing] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const banner = useRef<HTMLDivElement>(null);
  const serverProblem = problemFor(anomalies.error, FIELDS);
  const allProblems = serverProblem ? [serverProblem] : problems;
  const errorOf = (id: string) => allProblems.find((problem) => problem.field === id)?.message;
  const list = anomalies.data?.auditAnomalies;

  function show() {
    const found: FieldProblem[] = [];
    const start = readDate(from, 'From date');
    const end = readDate(to, 'To date');
    if (!start.iso) found.push({ field: FIELDS.from!, message: start.problem ?? 'Enter the first day of the window' });
    if (!end.iso) found.push({ field: FIELDS.to!, message: end.problem ?? 'Enter the last day of the window' });
    setProblems(found);
    if (found.length > 0) return;
    setReviewing(undefined);
    setDone(undefined);
    setRange({ from: start.iso!, to: dayAfter(end.iso!) });
    anomalies.reload();
  }

  return (
    <>
      <h1 className="govuk-heading-l">Anomalies</h1>
      <p className="govuk-body">Accesses to look at: break-glass, out of hours, many people within an hour, attempts after closure, bursts of refusals, shared family names and managers joining enquiries. Record your review of each.</p>
      <FormErrorSummary problems={allProblems} />
      <form
        noValidate
        onSubmit={(submit) => {
          submit.preventDefault();
          show();
        }}
      >
        <div className="app-filters">
          <DateField id={FIELDS.from!} legend="From" hint="On or after this day" value={from} onChange={setFrom} error={errorOf(FIELDS.from!)} />
          <DateField id={FIELDS.to!} legend="To" hint="Up to and including this day" value={to} onChange={setTo} error={errorOf(FIELDS.to!)} />
        </div>
        <button type="submit" className="govuk-button">
          Show anomalies
        </button>
      </form>
      {done ? (
        <SuccessBanner heading={done} bannerRef={banner} />
      ) : null}
      {anomalies.error && !serverProblem ? <ErrorSummary error={anomalies.error} /> : null}
      {anomalies.loading && list === undefined ? <Loading what="anomalies" /> : null}
      {list ? (
        <>
          <p className="govuk-body" role="status">
            {list.length === 0 ? 'No anomalies in this window.' : `${list.length} ${list.length === 1 ? 'anomaly' : 'anomalies'}, ${list.filter((anomaly) => !anomaly.review).length} not yet reviewed.`}
          </p>
          {list.map((anomaly, index) => {
            const id = anomalyId(anomaly);
            return (
              <div className="govuk-summary-card" key={id} data-testid="anomaly">
                <div className="govuk-summary-card__title-wrapper">
                  <h2 className="govuk-summary-card__title">{ANOMALY_KINDS[anomaly.kind] ?? anomaly.kind}</h2>
                  {anomaly.review ? (
                    <strong className={`govuk-tag ${anomaly.review.outcome === 'ACTION_TAKEN' ? 'govuk-tag--orange' : 'govuk-tag--green'}`}>{OUTCOME_WORDS[anomaly.review.outcome]}</strong>
                  ) : (
                    <strong className="govuk-tag govuk-tag--red">Not reviewed</strong>
                  )}
                </div>
                <div className="govuk-summary-card__content">
                  <dl className="govuk-summary-list">
                    <Row label="Who">{anomaly.actorId ? `${anomaly.actorId} (issuer ${anomaly.actorIssuer ?? 'not recorded'})` : 'No signed-in actor'}</Row>
                    <Row label="When">{formatDateTime(anomaly.at)}</Row>
                    <Row label="Detail">{anomaly.detail}</Row>
                    <Row label="Events">
                      <details className="govuk-details govuk-!-margin-bottom-0">
                        <summary className="govuk-details__summary">
                          <span className="govuk-details__summary-text">
                            {anomaly.eventIds.length} {anomaly.eventIds.length === 1 ? 'event' : 'events'}
                          </span>
                        </summary>
                        <div className="govuk-details__text">
                          <ul className="govuk-list">
                            {anomaly.eventIds.map((eventId) => (
                              <li key={eventId}>
                                <code>{eventId}</code>
                              </li>
                            ))}
                          </ul>
                        </div>
                      </details>
                    </Row>
                    {anomaly.review ? (
                      <Row label="Review">
                        {OUTCOME_WORDS[anomaly.review.outcome]} by {anomaly.review.reviewedByName ?? anomaly.review.reviewedBy}, {formatDateTime(anomaly.review.reviewedAt)}
                        {anomaly.review.note ? <span className="govuk-!-display-block app-pre-wrap">{anomaly.review.note}</span> : null}
                      </Row>
                    ) : null}
                  </dl>
                  {reviewing === id ? (
                    <ReviewForm
                      anomaly={anomaly}
                      index={index}
                      onCancel={() => setReviewing(undefined)}
                      onDone={(words) => {
                        setReviewing(undefined);
                        setDone(words);
                        anomalies.reload();
                        requestAnimationFrame(() => banner.current?.focus());
                      }}
                    />
                  ) : (
                    <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onClick={() => setReviewing(id)}>
                      {anomaly.review ? 'Review again' : 'Sign off'}
                      <span className="govuk-visually-hidden"> anomaly {index + 1}</span>
                    </button>
                  )}
                </div>
              </div>
            );
          })}
        </>
      ) : null}
    </>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="govuk-summary-list__row">
      <dt className="govuk-summary-list__key">{label}</dt>
      <dd className="govuk-summary-list__value">{children}</dd>
    </div>
  );
}

function ReviewForm({ anomaly, index, onCancel, onDone }: { anomaly: Anomaly; index: number; onCancel(): void; onDone(words: string): void }) {
  const [outcome, setOutcome] = useState<AnomalyReviewOutcome | ''>('');
  const [note, setNote] = useState('');
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const review = useMutation(ReviewAnomaly);
  const outcomeId = `${REVIEW_FIELDS.outcome}-${index}`;
  const noteId = `${REVIEW_FIELDS.note}-${index}`;
  const fields = Object.fromEntries(Object.entries(REVIEW_FIELDS).map(([key, id]) => [key, `${id}-${index}`]));
  const serverProblem = problemFor(review.error, fields);
  const allProblems = serverProblem ? [serverProblem] : problems;
  const errorOf = (id: string) => allProblems.find((problem) => problem.field === id)?.message;

  async function submit() {
    const found: FieldProblem[] = [];
    if (!outcome) found.push({ field: outcomeId, message: 'Select what you concluded' });
    if (outcome === 'ACTION_TAKEN' && !note.trim()) found.push({ field: noteId, message: 'Say in the note what action was taken' });
    if (note.length > NOTE_MAX) found.push({ field: noteId, message: `The note must be ${NOTE_MAX} characters or fewer` });
    setProblems(found);
    if (found.length > 0 || !outcome) return;
    const answer = await review.run({ input: { kind: anomaly.kind, actorId: anomaly.actorId ?? null, actorIssuer: anomaly.actorIssuer ?? null, eventIds: anomaly.eventIds, outcome, note: note.trim() || null } });
    if (answer) onDone(`Review recorded: ${ANOMALY_KINDS[anomaly.kind] ?? anomaly.kind}, ${OUTCOME_WORDS[outcome].toLowerCase()}.`);
  }

  return (
    <form
      noValidate
      className="govuk-!-margin-top-4"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <FormErrorSummary problems={allProblems} />
      {review.error && !serverProblem ? <ErrorSummary error={review.error} /> : null}
      <div className={`govuk-form-group${errorOf(outcomeId) ? ' govuk-form-group--error' : ''}`}>
        <fieldset className="govuk-fieldset" aria-describedby={errorOf(outcomeId) ? `${outcomeId}-error` : undefined}>
          <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">What did you conclude?</legend>
          <ErrorMessage id={outcomeId} message={errorOf(outcomeId)} />
          <div className="govuk-radios govuk-radios--small" data-module="govuk-radios">
            {(Object.keys(OUTCOME_WORDS) as AnomalyReviewOutcome[]).map((option, i) => (
              <div className="govuk-radios__item" key={option}>
                <input className="govuk-radios__input" id={i === 0 ? outcomeId : `${outcomeId}-${option}`} name={outcomeId} type="radio" value={option} checked={outcome === option} onChange={() => setOutcome(option)} />
                <label className="govuk-label govuk-radios__label" htmlFor={i === 0 ? outcomeId : `${outcomeId}-${option}`}>
                  {OUTCOME_WORDS[option]}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      <div className={`govuk-form-group${errorOf(noteId) ? ' govuk-form-group--error' : ''}`}>
        <label className="govuk-label" htmlFor={noteId}>
          Note
        </label>
        <div id={`${noteId}-hint`} className="govuk-hint">
          What you found, or the action taken (required when you took action). Kept with the review, not in the audit log.
        </div>
        <ErrorMessage id={noteId} message={errorOf(noteId)} />
        <textarea
          className={`govuk-textarea${errorOf(noteId) ? ' govuk-textarea--error' : ''}`}
          id={noteId}
          name={noteId}
          rows={3}
          value={note}
          aria-describedby={`${noteId}-hint${errorOf(noteId) ? ` ${noteId}-error` : ''}`}
          onChange={(event) => setNote(event.target.value)}
        />
      </div>
      <div className="govuk-button-group">
        <button type="submit" className="govuk-button" disabled={review.running}>
          Record review
        </button>
        <button type="button" className="govuk-button govuk-button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
