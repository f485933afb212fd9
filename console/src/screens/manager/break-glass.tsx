import { useState } from 'react';
import { ErrorSummary, formatDateTime, Loading, SuccessBanner, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { BreakGlassReviewsQuery } from '../../gql/graphql';
import { fieldErrorFrom, FormErrors, RadiosField, TextareaField, type FieldError } from './forms';

const BreakGlassReviewsQuery = graphql(`
  query BreakGlassReviews {
    breakGlassReviews {
      enquiryId
      referralReference
      purpose
      openedAt
      justification
      closedAt
      status
      openedBy {
        id
        name
      }
      review {
        outcome
        note
        reviewedAt
        reviewedBy {
          id
          name
        }
      }
    }
  }
`);

const ReviewMutation = graphql(`
  mutation BreakGlassReview($enquiryId: ID!, $outcome: BreakGlassOutcome!, $note: String) {
    reviewBreakGlass(enquiryId: $enquiryId, outcome: $outcome, note: $note) {
      enquiryId
      status
    }
  }
`);

type Item = BreakGlassReviewsQuery['breakGlassReviews'][number];

const OUTCOME_TAGS: Record<string, { label: string; className: string }> = {
  JUSTIFIED: { label: 'Justified', className: 'govuk-tag--green' },
  NOT_JUSTIFIED: { label: 'Not justified', className: 'govuk-tag--red' },
};

const who = (actor: { id: string; name?: string | null }) => (actor.name ? `${actor.name} (${actor.id})` : actor.id);

/** Emergency enquiries opened as break-glass by the team, for a manager to review the next working day. */
export function BreakGlassScreen() {
  usePageTitle('Break-glass reviews');
  const list = useQuery(BreakGlassReviewsQuery, {});
  const [reviewing, setReviewing] = useState<Item | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const items = list.data?.breakGlassReviews;
  const awaiting = items?.filter((i) => i.status === 'AWAITING_REVIEW') ?? [];
  const reviewed = items?.filter((i) => i.status === 'REVIEWED') ?? [];

  return (
    <>
      <h1 className="govuk-heading-l">Break-glass reviews</h1>
      <p className="govuk-body">Emergency enquiries your team opened out of hours as break-glass. Review each one: was opening it justified? Every access under a break-glass enquiry is also flagged for information governance.</p>
      {done ? (
        <SuccessBanner heading={done} />
      ) : null}
      {list.error ? <ErrorSummary error={list.error} /> : null}
      {list.loading && !items ? <Loading what="break-glass enquiries" /> : null}
      {items ? (
        <>
          <h2 className="govuk-heading-m">Awaiting review</h2>
          {awaiting.length === 0 ? (
            <p className="govuk-body" role="status">
              No break-glass enquiry is waiting for review.
            </p>
          ) : (
            awaiting.map((item) => (
              <div className="govuk-summary-card" key={item.enquiryId} data-testid="break-glass-awaiting">
                <div className="govuk-summary-card__title-wrapper">
                  <h3 className="govuk-summary-card__title">{item.referralReference}</h3>
                  <ul className="govuk-summary-card__actions">
                    <li className="govuk-summary-card__action">
                      <strong className="govuk-tag govuk-tag--yellow">Awaiting review</strong>
                    </li>
                  </ul>
                </div>
                <div className="govuk-summary-card__content">
                  <dl className="govuk-summary-list">
                    <div className="govuk-summary-list__row">
                      <dt className="govuk-summary-list__key">Opened</dt>
                      <dd className="govuk-summary-list__value">
                        {formatDateTime(item.openedAt)} by {who(item.openedBy)}
                      </dd>
                    </div>
                    <div className="govuk-summary-list__row">
                      <dt className="govuk-summary-list__key">Justification</dt>
                      <dd className="govuk-summary-list__value app-pre-wrap">{item.justification}</dd>
                    </div>
                    <div className="govuk-summary-list__row">
                      <dt className="govuk-summary-list__key">Enquiry</dt>
                      <dd className="govuk-summary-list__value">{item.closedAt ? `Closed ${formatDateTime(item.closedAt)}` : 'Open'}</dd>
                    </div>
                  </dl>
                  {reviewing?.enquiryId === item.enquiryId ? (
                    <ReviewForm
                      item={item}
                      onCancel={() => setReviewing(undefined)}
                      onDone={(message) => {
                        setReviewing(undefined);
                        setDone(message);
                        list.reload();
                      }}
                    />
                  ) : (
                    <button
                      type="button"
                      className="govuk-button govuk-!-margin-bottom-0"
                      onClick={() => {
                        setDone(undefined);
                        setReviewing(item);
                      }}
                    >
                      Review<span className="govuk-visually-hidden"> {item.referralReference}</span>
                    </button>
                  )}
                </div>
              </div>
            ))
          )}
          <h2 className="govuk-heading-m govuk-!-margin-top-8">Reviewed</h2>
          {reviewed.length === 0 ? (
            <p className="govuk-body">None reviewed yet.</p>
          ) : (
            <div className="app-table-wrap">
              <table className="govuk-table" data-testid="break-glass-reviewed">
                <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Reviewed break-glass enquiries, newest first</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">Referral</th>
                    <th scope="col" className="govuk-table__header">Opened by</th>
                    <th scope="col" className="govuk-table__header">Outcome</th>
                    <th scope="col" className="govuk-table__header">Note</th>
                    <th scope="col" className="govuk-table__header">Reviewed</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {reviewed.map((item) => {
                    const tag = OUTCOME_TAGS[item.review!.outcome] ?? { label: item.review!.outcome, className: 'govuk-tag--grey' };
                    return (
                      <tr className="govuk-table__row" key={item.enquiryId}>
                        <th scope="row" className="govuk-table__header">
                          {item.referralReference}
                        </th>
                        <td className="govuk-table__cell">{who(item.openedBy)}</td>
                        <td className="govuk-table__cell">
                          <strong className={`govuk-tag ${tag.className}`}>{tag.label}</strong>
                        </td>
                        <td className="govuk-table__cell app-pre-wrap">{item.review!.note ?? '—'}</td>
                        <td className="govuk-table__cell">
                          {formatDateTime(item.review!.reviewedAt)} by {who(item.review!.reviewedBy)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </>
  );
}

function ReviewForm({ item, onCancel, onDone }: { item: Item; onCancel(): void; onDone(message: string): void }) {
  const review = useMutation(ReviewMutation);
  const [outcome, setOutcome] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const serverField = fieldErrorFrom(review.error, { outcome: 'break-glass-outcome', note: 'break-glass-note' });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];
  return (
    <form
      className="govuk-!-margin-top-6"
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        const problems: FieldError[] = [];
        if (!outcome) problems.push({ id: 'break-glass-outcome', message: 'Choose whether opening it as break-glass was justified' });
        if (outcome === 'NOT_JUSTIFIED' && !note.trim()) problems.push({ id: 'break-glass-note', message: 'Enter why it was not justified' });
        setErrors(problems);
        if (problems.length > 0) return;
        const result = await review.run({ enquiryId: item.enquiryId, outcome: outcome as 'JUSTIFIED' | 'NOT_JUSTIFIED', ...(note.trim() ? { note: note.trim() } : {}) });
        if (result) onDone(`Your review of ${item.referralReference} is recorded.`);
      }}
    >
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : review.error} />
      <RadiosField
        id="break-glass-outcome"
        legend={`Was opening ${item.referralReference} as break-glass justified?`}
        options={[
          { value: 'JUSTIFIED', label: 'Justified' },
          { value: 'NOT_JUSTIFIED', label: 'Not justified', hint: 'Information governance follows it up.' },
        ]}
        value={outcome}
        onChange={setOutcome}
        error={fieldErrors.find((e) => e.id === 'break-glass-outcome')}
      />
      <TextareaField id="break-glass-note" label="Note" hint="What you found. Required when it was not justified. Kept with the review, not in the audit log." value={note} onChange={setNote} error={fieldErrors.find((e) => e.id === 'break-glass-note')} rows={3} />
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
