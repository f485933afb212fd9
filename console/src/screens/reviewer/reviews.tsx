import { useState } from 'react';
import { DisclosedUnder, ErrorSummary, formatDate, formatDateTime, Loading, SuccessBanner, SummaryList, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { ReviewRequestsQuery } from '../../gql/graphql';
import { fieldErrorFrom, FormErrors, TextareaField, type FieldError } from '../manager/forms';

const ReviewRequestsQuery = graphql(`
  query ReviewRequests {
    reviewRequests {
      id
      enquiryId
      referralReference
      agency
      category
      categoryLabel
      purpose
      legalBasis
      status
      requestedAt
      decidedAt
      decisionReason
      personIds
      requester {
        id
        name
        agency
      }
    }
  }
`);

const SummaryQuery = graphql(`
  query ReviewRequestRecords($id: ID!) {
    reviewRequestSummary(id: $id) {
      status
      detail
      auditEventId
      records {
        kind
        type
        title
        status
        start
        end
        withheldFields
        provenance {
          system
          recordId
        }
      }
    }
  }
`);

const ApproveMutation = graphql(`
  mutation ApproveReviewRequest($id: ID!, $reason: String) {
    approveReview(id: $id, reason: $reason) {
      id
      status
    }
  }
`);

const RefuseMutation = graphql(`
  mutation RefuseReviewRequest($id: ID!, $reason: String!) {
    refuseReview(id: $id, reason: $reason) {
      id
      status
    }
  }
`);

type Request = ReviewRequestsQuery['reviewRequests'][number];

const REVIEW_TAGS: Record<string, { label: string; className: string }> = {
  PENDING: { label: 'Waiting for you', className: 'govuk-tag--yellow' },
  APPROVED: { label: 'Approved', className: 'govuk-tag--green' },
  REFUSED: { label: 'Refused', className: 'govuk-tag--red' },
};

const AGENCY_STATUS: Record<string, { label: string; className: string; words: string }> = {
  RECORDS: { label: 'Records held', className: 'govuk-tag--blue', words: 'Your agency holds records of this category for the person.' },
  NO_RECORD: { label: 'No record', className: 'govuk-tag--grey', words: 'Your agency holds nothing of this category for the person.' },
  UNAVAILABLE: { label: 'Unavailable', className: 'govuk-tag--red', words: "Your agency's system could not answer: the records cannot be shown now." },
};

const requesterOf = (r: Request['requester']) => [r.name ?? r.id, r.agency].filter(Boolean).join(', ');

/** The agency reviewer's review requests: what is asked, the records concerned, approve or refuse. */
export function ReviewsScreen() {
  usePageTitle('Review requests');
  const list = useQuery(ReviewRequestsQuery, {});
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const requests = list.data?.reviewRequests;
  const pending = requests?.filter((r) => r.status === 'PENDING') ?? [];
  const decided = requests?.filter((r) => r.status !== 'PENDING') ?? [];

  return (
    <>
      <h1 className="govuk-heading-l">Review requests</h1>
      <p className="govuk-body">Information your agency holds that the MASH may see only with your agency's approval. Approve or refuse each request; the researcher is told.</p>
      {done ? (
        <SuccessBanner heading={done} />
      ) : null}
      {list.error ? <ErrorSummary error={list.error} /> : null}
      {list.loading && !requests ? <Loading what="review requests" /> : null}
      {requests ? (
        <>
          <h2 className="govuk-heading-m">Waiting for a decision</h2>
          {pending.length === 0 ? (
            <p className="govuk-body" role="status">
              No review request is waiting.
            </p>
          ) : (
            pending.map((request) => (
              <div className="govuk-summary-card" key={request.id} data-testid="review-request">
                <div className="govuk-summary-card__title-wrapper">
                  <h3 className="govuk-summary-card__title">
                    {request.categoryLabel} for enquiry {request.referralReference}
                  </h3>
                  <ul className="govuk-summary-card__actions">
                    <li className="govuk-summary-card__action">
                      <strong className={`govuk-tag ${REVIEW_TAGS.PENDING!.className}`}>{REVIEW_TAGS.PENDING!.label}</strong>
                    </li>
                  </ul>
                </div>
                <div className="govuk-summary-card__content">
                  <SummaryList
                    rows={[
                      { key: 'What is asked', value: `To release ${request.categoryLabel} (${request.category}) held by ${request.agency}` },
                      { key: 'Your records concerned', value: request.personIds.length > 0 ? `Person ${request.personIds.join(', ')}` : 'None linked' },
                      { key: 'Purpose', value: request.purpose },
                      { key: 'Legal basis', value: request.legalBasis },
                      { key: 'Asked by', value: requesterOf(request.requester) },
                      { key: 'Asked on', value: formatDateTime(request.requestedAt) },
                    ]}
                  />
                  {open === request.id ? (
                    <Decide
                      request={request}
                      onCancel={() => setOpen(undefined)}
                      onDone={(message) => {
                        setOpen(undefined);
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
                        setOpen(request.id);
                      }}
                    >
                      See the records and decide<span className="govuk-visually-hidden"> on {request.referralReference}</span>
                    </button>
                  )}
                </div>
              </div>
            ))
          )}
          <h2 className="govuk-heading-m govuk-!-margin-top-8">Decided</h2>
          {decided.length === 0 ? (
            <p className="govuk-body">None decided yet.</p>
          ) : (
            <div className="app-table-wrap">
              <table className="govuk-table" data-testid="decided-reviews">
                <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Decided review requests</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">Enquiry</th>
                    <th scope="col" className="govuk-table__header">Category</th>
                    <th scope="col" className="govuk-table__header">Decision</th>
                    <th scope="col" className="govuk-table__header">Reason</th>
                    <th scope="col" className="govuk-table__header">When</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {decided.map((request) => {
                    const tag = REVIEW_TAGS[request.status] ?? { label: request.status, className: 'govuk-tag--grey' };
                    return (
                      <tr className="govuk-table__row" key={request.id}>
                        <th scope="row" className="govuk-table__header">
                          {request.referralReference}
                        </th>
                        <td className="govuk-table__cell">{request.categoryLabel}</td>
                        <td className="govuk-table__cell">
                          <strong className={`govuk-tag ${tag.className}`}>{tag.label}</strong>
                        </td>
                        <td className="govuk-table__cell app-pre-wrap">{request.decisionReason ?? '—'}</td>
                        <td className="govuk-table__cell app-nowrap">{formatDateTime(request.decidedAt)}</td>
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

function Decide({ request, onCancel, onDone }: { request: Request; onCancel(): void; onDone(message: string): void }) {
  const summary = useQuery(SummaryQuery, { id: request.id });
  const approve = useMutation(ApproveMutation);
  const refuse = useMutation(RefuseMutation);
  const [approveReason, setApproveReason] = useState('');
  const [refuseReason, setRefuseReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const serverField = fieldErrorFrom(refuse.error, { reason: 'refuse-reason' }) ?? fieldErrorFrom(approve.error, { reason: 'approve-reason' });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];
  const answer = summary.data?.reviewRequestSummary;
  const status = answer ? AGENCY_STATUS[answer.status] : undefined;
  const busy = approve.running || refuse.running;

  return (
    <div className="govuk-!-margin-top-4">
      <DisclosedUnder purpose={request.purpose} legalBasis={request.legalBasis} />
      <h4 className="govuk-heading-s">Your agency's records of this category</h4>
      {summary.loading && !answer ? <Loading what="the records" /> : null}
      {summary.error ? <ErrorSummary error={summary.error} /> : null}
      {answer && status ? (
        <>
          <p className="govuk-body" data-testid="review-records-status">
            <strong className={`govuk-tag ${status.className}`}>{status.label}</strong> {status.words}
            {answer.detail ? ` ${answer.detail}` : ''}
          </p>
          {answer.records.length > 0 ? (
            <div className="app-table-wrap">
              <table className="govuk-table" data-testid="review-records">
                <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Records under review</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">Record</th>
                    <th scope="col" className="govuk-table__header">What</th>
                    <th scope="col" className="govuk-table__header">Status</th>
                    <th scope="col" className="govuk-table__header">Dates</th>
                    <th scope="col" className="govuk-table__header">Held back until approved</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {answer.records.map((record) => (
                    <tr className="govuk-table__row" key={record.provenance.system + record.provenance.recordId}>
                      <th scope="row" className="govuk-table__header">
                        {record.provenance.recordId}
                      </th>
                      <td className="govuk-table__cell">{[record.title, record.type, record.kind].filter(Boolean).join(' · ')}</td>
                      <td className="govuk-table__cell">{record.status ?? '—'}</td>
                      <td className="govuk-table__cell app-nowrap">
                        {formatDate(record.start)}
                        {record.end ? ` to ${formatDate(record.end)}` : ''}
                      </td>
                      <td className="govuk-table__cell">{record.withheldFields.join(', ') || 'Nothing'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <p className="govuk-body-s">Your look at these records is recorded in the audit log (event {answer.auditEventId}).</p>
        </>
      ) : null}
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : (approve.error ?? refuse.error)} />
      <div className="govuk-grid-row">
        <form
          className="govuk-grid-column-one-half"
          noValidate
          onSubmit={async (event) => {
            event.preventDefault();
            setErrors([]);
            refuse.clearError();
            const result = await approve.run({ id: request.id, ...(approveReason.trim() ? { reason: approveReason.trim() } : {}) });
            if (result) onDone(`You approved the release of ${request.categoryLabel} for ${request.referralReference}.`);
          }}
        >
          <TextareaField id="approve-reason" label="Reason for approving (optional)" value={approveReason} onChange={setApproveReason} error={fieldErrors.find((e) => e.id === 'approve-reason')} rows={3} />
          <button type="submit" className="govuk-button" disabled={busy}>
            Approve release
          </button>
        </form>
        <form
          className="govuk-grid-column-one-half"
          noValidate
          onSubmit={async (event) => {
            event.preventDefault();
            approve.clearError();
            if (!refuseReason.trim()) {
              setErrors([{ id: 'refuse-reason', message: 'Enter why you refuse the release: the researcher is told' }]);
              return;
            }
            setErrors([]);
            const result = await refuse.run({ id: request.id, reason: refuseReason.trim() });
            if (result) onDone(`You refused the release of ${request.categoryLabel} for ${request.referralReference}.`);
          }}
        >
          <TextareaField id="refuse-reason" label="Reason for refusing" hint="Required. The researcher sees that it was refused." value={refuseReason} onChange={setRefuseReason} error={fieldErrors.find((e) => e.id === 'refuse-reason')} rows={3} />
          <button type="submit" className="govuk-button govuk-button--warning" disabled={busy}>
            Refuse release
          </button>
        </form>
      </div>
      <button type="button" className="govuk-button govuk-button--secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
