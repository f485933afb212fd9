import { useState } from 'react';
import { ErrorSummary, formatDateTime, formatTimeLeft, Loading, RagTag, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { EnquiryQueueFilter, QueueAssignmentFilter, Rag } from '../../gql/graphql';
import { ScreenLink, useNavigation } from '../../navigation';
import { useSession } from '../../session';

const QueueQuery = graphql(`
  query ConsoleQueue($team: String!, $filter: EnquiryQueueFilter, $after: String) {
    enquiryQueue(team: $team, filter: $filter, first: 25, after: $after) {
      team
      totalCount
      nextCursor
      entries {
        enquiryId
        referralReference
        purpose
        rag
        receivedAt
        deadline
        timeLeftSeconds
        overdue
        member
        memberCount
        assignee {
          id
          issuer
          name
        }
        concernCategories {
          id
          label
        }
        riskIndicators {
          fired
        }
      }
    }
  }
`);

/** The team's triage queue, most urgent first, as the gateway orders it. */
export function QueueScreen() {
  usePageTitle('Triage queue');
  const { user } = useSession();
  const { navigate } = useNavigation();
  const [rag, setRag] = useState<Rag | ''>('');
  const [assignment, setAssignment] = useState<QueueAssignmentFilter | ''>('');
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [after, setAfter] = useState<string | undefined>(undefined);
  const filter: EnquiryQueueFilter = { ...(rag ? { rag } : {}), ...(assignment ? { assignment } : {}), ...(overdueOnly ? { overdue: true } : {}) };
  const queue = useQuery(QueueQuery, { team: user?.agency ?? '', filter, ...(after ? { after } : {}) });
  const page = queue.data?.enquiryQueue;

  return (
    <>
      <h1 className="govuk-heading-l">Triage queue</h1>
      <button type="button" className="govuk-button" data-module="govuk-button" onClick={() => navigate('/new-enquiry')}>
        Open an enquiry
      </button>
      <form
        className="govuk-!-margin-bottom-6"
        onSubmit={(event) => {
          event.preventDefault();
          setAfter(undefined);
          queue.reload();
        }}
      >
        <div className="app-filters">
          <div className="govuk-form-group">
            <label className="govuk-label" htmlFor="queue-rag">
              RAG rating
            </label>
            <select className="govuk-select" id="queue-rag" value={rag} onChange={(event) => setRag(event.target.value as Rag | '')}>
              <option value="">All</option>
              <option value="RED">Red</option>
              <option value="AMBER">Amber</option>
              <option value="GREEN">Green</option>
            </select>
          </div>
          <div className="govuk-form-group">
            <label className="govuk-label" htmlFor="queue-assignment">
              Assigned
            </label>
            <select className="govuk-select" id="queue-assignment" value={assignment} onChange={(event) => setAssignment(event.target.value as QueueAssignmentFilter | '')}>
              <option value="">Everyone's</option>
              <option value="ASSIGNED_TO_ME">Assigned to me</option>
              <option value="UNASSIGNED">Unassigned</option>
            </select>
          </div>
          <div className="govuk-form-group">
            <div className="govuk-checkboxes govuk-checkboxes--small">
              <div className="govuk-checkboxes__item">
                <input className="govuk-checkboxes__input" id="queue-overdue" type="checkbox" checked={overdueOnly} onChange={(event) => setOverdueOnly(event.target.checked)} />
                <label className="govuk-label govuk-checkboxes__label" htmlFor="queue-overdue">
                  Overdue only
                </label>
              </div>
            </div>
          </div>
        </div>
      </form>
      {queue.error ? <ErrorSummary error={queue.error} /> : null}
      {queue.loading && page === undefined ? <Loading what="the queue" /> : null}
      {page ? (
        <>
          <p className="govuk-body" role="status">
            {page.totalCount === 0 ? 'No open enquiries match.' : `${page.totalCount} open ${page.totalCount === 1 ? 'enquiry' : 'enquiries'}, most urgent first.`}
          </p>
          {page.entries.length > 0 ? (
            <div className="app-table-wrap">
              <table className="govuk-table" data-testid="queue-table">
                <caption className="govuk-table__caption govuk-table__caption--m govuk-visually-hidden">Open enquiries, most urgent first</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">Referral</th>
                    <th scope="col" className="govuk-table__header">RAG</th>
                    <th scope="col" className="govuk-table__header">Time left</th>
                    <th scope="col" className="govuk-table__header">Indicators</th>
                    <th scope="col" className="govuk-table__header">Concerns</th>
                    <th scope="col" className="govuk-table__header">Purpose</th>
                    <th scope="col" className="govuk-table__header">Assigned to</th>
                    <th scope="col" className="govuk-table__header">Received</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {page.entries.map((entry) => (
                    <tr className="govuk-table__row" key={entry.enquiryId}>
                      <th scope="row" className="govuk-table__header">
                        {entry.member ? (
                          <ScreenLink to="/enquiry" params={{ enquiryId: entry.enquiryId }}>
                            {entry.referralReference}
                          </ScreenLink>
                        ) : (
                          entry.referralReference
                        )}
                      </th>
                      <td className="govuk-table__cell">
                        <RagTag rag={entry.rag} />
                      </td>
                      <td className="govuk-table__cell">
                        {entry.overdue ? <strong className="govuk-tag govuk-tag--red">{formatTimeLeft(entry.timeLeftSeconds)}</strong> : formatTimeLeft(entry.timeLeftSeconds)}
                      </td>
                      <td className="govuk-table__cell">{entry.riskIndicators ? `${entry.riskIndicators.fired} fired` : 'Not computed'}</td>
                      <td className="govuk-table__cell">{entry.concernCategories.map((category) => category.label).join(', ')}</td>
                      <td className="govuk-table__cell">{entry.purpose}</td>
                      <td className="govuk-table__cell">{entry.assignee ? (entry.assignee.name ?? entry.assignee.id) : 'Unassigned'}</td>
                      <td className="govuk-table__cell app-nowrap">{formatDateTime(entry.receivedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {page.nextCursor ? (
            <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setAfter(page.nextCursor ?? undefined)}>
              Next page
            </button>
          ) : null}
        </>
      ) : null}
    </>
  );
}
