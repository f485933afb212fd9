import { useState } from 'react';
import { ErrorSummary, formatDateTime, Loading, RagTag, SummaryList, usePageTitle, useQuery } from '../../components/common';
import { EnquiryTaskList } from '../../components/enquiry-tasks';
import { graphql } from '../../gql';
import { ScreenLink } from '../../navigation';

const MyEnquiriesQuery = graphql(`
  query ConsoleMyEnquiries {
    enquiries {
      id
      referralReference
      purpose
      rag
      status
      deadline
      overdue
    }
  }
`);

const STATUS_WORDS: Record<string, string> = { OPEN: 'Open', CLOSED: 'Closed', EXPIRED: 'Access ended' };

/** The enquiries the caller is a member of, newest first, each with its task list. */
export function MyEnquiriesScreen() {
  usePageTitle('My enquiries');
  const enquiries = useQuery(MyEnquiriesQuery, {});
  const list = enquiries.data?.enquiries;
  return (
    <>
      <h1 className="govuk-heading-l">My enquiries</h1>
      {enquiries.error ? <ErrorSummary error={enquiries.error} /> : null}
      {list === undefined && !enquiries.error ? <Loading what="your enquiries" /> : null}
      {list !== undefined ? (
        <p className="govuk-body" role="status">
          {list.length === 0 ? 'You are not a member of any enquiry.' : `You are a member of ${list.length} ${list.length === 1 ? 'enquiry' : 'enquiries'}, newest first.`}
        </p>
      ) : null}
      {list?.map((enquiry) => (
        <section key={enquiry.id} className="app-enquiry-section" aria-labelledby={`enquiry-${enquiry.id}`} data-testid="my-enquiry">
          <h2 className="govuk-heading-m" id={`enquiry-${enquiry.id}`}>
            {enquiry.referralReference} <RagTag rag={enquiry.rag} />
          </h2>
          <SummaryList
            rows={[
              { key: 'Purpose', value: enquiry.purpose },
              {
                key: 'Deadline',
                value: (
                  <>
                    {formatDateTime(enquiry.deadline)}
                    {enquiry.overdue ? (
                      <>
                        {' '}
                        <strong className="govuk-tag govuk-tag--red">Overdue</strong>
                      </>
                    ) : null}
                  </>
                ),
              },
              { key: 'Status', value: STATUS_WORDS[enquiry.status] ?? enquiry.status },
            ]}
          />
          <p className="govuk-body">
            <ScreenLink to="/enquiry" params={{ enquiryId: enquiry.id }}>
              Open the enquiry<span className="govuk-visually-hidden"> {enquiry.referralReference}</span>
            </ScreenLink>
          </p>
          <EnquiryTasksDetails enquiryId={enquiry.id} reference={enquiry.referralReference} />
        </section>
      ))}
    </>
  );
}

/** The task list is asked for only once the details are opened. */
function EnquiryTasksDetails({ enquiryId, reference }: { enquiryId: string; reference: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="govuk-details" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary className="govuk-details__summary">
        <span className="govuk-details__summary-text">
          Tasks for this enquiry<span className="govuk-visually-hidden"> {reference}</span>
        </span>
      </summary>
      <div className="govuk-details__text">{open ? <EnquiryTaskList enquiryId={enquiryId} /> : null}</div>
    </details>
  );
}
