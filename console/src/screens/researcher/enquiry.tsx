import { useState } from 'react';
import { BackLink, ErrorPage, ErrorSummary, formatDateTime, formatTimeLeft, Loading, RagTag, SuccessBanner, SummaryList, usePageTitle, useQuery } from '../../components/common';
import { MissingParams } from '../../components/enquiry-form';
import { EnquiryTaskList } from '../../components/enquiry-tasks';
import { agencyName, relationWords } from '../../components/enquiry-words';
import { graphql } from '../../gql';
import { ScreenLink, useNavigation } from '../../navigation';

const EnquiryQuery = graphql(`
  query ConsoleEnquiry($id: ID!) {
    enquiry(id: $id) {
      id
      referralReference
      purpose
      legalBasis
      rag
      deadline
      overdue
      accessEndsAt
      status
      receivedAt
      consentRecorded
      breakGlass
      assignee {
        id
        issuer
        name
      }
      concernCategories {
        id
        label
      }
      members {
        actorId
        issuer
        name
        agency
        addedAt
        reason
      }
      subjects {
        id
        label
        relation
        relevance
        links {
          agency
          personId
          linkedAt
        }
      }
    }
  }
`);

const ReferralQuery = graphql(`
  query ConsoleEnquiryReferral($id: ID!) {
    enquiry(id: $id) {
      id
      referral {
        receivedAt
        source {
          kind
          organisation
          referrerName
          referrerRole
        }
        concernCategories {
          id
          label
        }
        text
        auditEventId
      }
    }
  }
`);

const STATUS_TAG: Record<string, string> = { OPEN: 'govuk-tag--blue', CLOSED: 'govuk-tag--grey', EXPIRED: 'govuk-tag--red' };

const SOURCE_WORDS: Record<string, string> = { AGENCY: 'An agency', PROFESSIONAL: 'A professional', PUBLIC: 'A member of the public', ANONYMOUS: 'Anonymous' };

/** The referral: read only when asked for, since each read is an audited access of its own. */
function ReferralSection({ enquiryId }: { enquiryId: string }) {
  const [shown, setShown] = useState(false);
  const referral = useQuery(ReferralQuery, { id: enquiryId }, { skip: !shown });
  return (
    <section aria-labelledby="referral-heading" className="govuk-!-margin-bottom-8">
      <h2 className="govuk-heading-m" id="referral-heading">
        The referral
      </h2>
      {!shown ? (
        <>
          <p className="govuk-body">Who referred and what they said. Reading the referral is recorded in the access log.</p>
          <button type="button" className="govuk-button govuk-button--secondary" data-module="govuk-button" onClick={() => setShown(true)}>
            Show referral
          </button>
        </>
      ) : referral.error ? (
        <ErrorSummary error={referral.error} />
      ) : referral.data === undefined ? (
        <Loading what="the referral" />
      ) : referral.data.enquiry.referral == null ? (
        <p className="govuk-body">No referral is recorded for this enquiry.</p>
      ) : (
        <div data-testid="referral">
          <SummaryList
            rows={[
              { key: 'Received', value: formatDateTime(referral.data.enquiry.referral.receivedAt) },
              {
                key: 'Referred by',
                value: referral.data.enquiry.referral.source ? (
                  <>
                    {SOURCE_WORDS[referral.data.enquiry.referral.source.kind] ?? referral.data.enquiry.referral.source.kind}
                    {[referral.data.enquiry.referral.source.organisation, referral.data.enquiry.referral.source.referrerName, referral.data.enquiry.referral.source.referrerRole]
                      .filter(Boolean)
                      .map((part) => `: ${part}`)
                      .join('')}
                  </>
                ) : (
                  'Not recorded'
                ),
              },
              { key: 'Concerns', value: referral.data.enquiry.referral.concernCategories.map((category) => category.label).join(', ') || 'None recorded' },
              { key: 'What the referrer said', value: referral.data.enquiry.referral.text ? <span className="app-pre-wrap">{referral.data.enquiry.referral.text}</span> : 'No text recorded' },
            ]}
          />
        </div>
      )}
    </section>
  );
}

/** One enquiry: its summary, the referral on request, members, subjects and the work as a task list. */
export function EnquiryScreen() {
  usePageTitle('Enquiry');
  const { route } = useNavigation();
  const enquiryId = route.params.enquiryId;
  const enquiry = useQuery(EnquiryQuery, { id: enquiryId ?? '' }, { skip: enquiryId === undefined });
  if (enquiryId === undefined) return <MissingParams what="one enquiry" />;
  if (enquiry.error) return <ErrorPage error={enquiry.error} />;
  if (enquiry.data === undefined) return <Loading what="the enquiry" />;
  const e = enquiry.data.enquiry;
  const timeLeft = Math.round((new Date(e.deadline).getTime() - Date.now()) / 1000);
  const linked = route.params.linkedSubject ? e.subjects.find((subject) => subject.id === route.params.linkedSubject) : undefined;

  return (
    <>
      <BackLink to="/queue">Back to the triage queue</BackLink>
      {route.params.opened === 'yes' ? (
        <SuccessBanner heading={<>Enquiry opened for referral {e.referralReference}. Find the people in it next.</>} />
      ) : null}
      {linked ? (
        <SuccessBanner heading={<>{linked.label ?? 'The person'} is now a subject of the enquiry, with {linked.links.length} agency {linked.links.length === 1 ? 'record' : 'records'} linked.</>} />
      ) : null}
      <span className="govuk-caption-l">Enquiry</span>
      <h1 className="govuk-heading-l">Referral {e.referralReference}</h1>
      <SummaryList
        rows={[
          { key: 'Referral reference', value: e.referralReference },
          {
            key: 'Purpose',
            value: (
              <>
                {e.purpose}
                <br />
                <span className="govuk-body-s">Legal basis: {e.legalBasis}</span>
                {e.breakGlass ? (
                  <>
                    <br />
                    <strong className="govuk-tag govuk-tag--red">Break-glass</strong>
                  </>
                ) : null}
              </>
            ),
          },
          { key: 'RAG rating', value: <RagTag rag={e.rag} /> },
          {
            key: 'Decision deadline',
            value: (
              <>
                {formatDateTime(e.deadline)}{' '}
                {e.overdue || timeLeft < 0 ? <strong className="govuk-tag govuk-tag--red">{formatTimeLeft(timeLeft)}</strong> : <span>({formatTimeLeft(timeLeft)})</span>}
              </>
            ),
          },
          { key: 'Access ends', value: formatDateTime(e.accessEndsAt) },
          { key: 'Status', value: <strong className={`govuk-tag ${STATUS_TAG[e.status] ?? 'govuk-tag--grey'}`}>{e.status.toLowerCase()}</strong> },
          { key: 'Assigned to', value: e.assignee ? (e.assignee.name ?? e.assignee.id) : 'Unassigned' },
          { key: 'Consent', value: e.consentRecorded ? 'Recorded' : 'Not recorded' },
          { key: 'Concerns', value: e.concernCategories.map((category) => category.label).join(', ') || 'None recorded' },
        ]}
      />
      <ReferralSection enquiryId={enquiryId} />

      <h2 className="govuk-heading-m">Members</h2>
      <div className="app-table-wrap">
        <table className="govuk-table">
          <caption className="govuk-table__caption govuk-visually-hidden">Members of the enquiry</caption>
          <thead className="govuk-table__head">
            <tr className="govuk-table__row">
              <th scope="col" className="govuk-table__header">
                Member
              </th>
              <th scope="col" className="govuk-table__header">
                Agency
              </th>
              <th scope="col" className="govuk-table__header">
                Added
              </th>
              <th scope="col" className="govuk-table__header">
                Why
              </th>
            </tr>
          </thead>
          <tbody className="govuk-table__body">
            {e.members.map((member) => (
              <tr className="govuk-table__row" key={`${member.issuer}|${member.actorId}`}>
                <td className="govuk-table__cell">{member.name ?? member.actorId}</td>
                <td className="govuk-table__cell">{member.agency ? agencyName(member.agency) : '—'}</td>
                <td className="govuk-table__cell app-nowrap">{formatDateTime(member.addedAt)}</td>
                <td className="govuk-table__cell">{member.reason ?? 'Opened the enquiry'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 className="govuk-heading-m">Subjects</h2>
      {e.subjects.length === 0 ? (
        <p className="govuk-body">
          No one is linked yet. <ScreenLink to="/search" params={{ enquiryId }}>Find people in every agency</ScreenLink> and confirm the person the referral is about.
        </p>
      ) : (
        <div data-testid="subjects">
          {e.subjects.map((subject, index) => (
            <div className="govuk-summary-card" key={subject.id}>
              <div className="govuk-summary-card__title-wrapper">
                <h3 className="govuk-summary-card__title">
                  {subject.label ?? `Subject ${index + 1}`} ({relationWords(subject.relation)})
                </h3>
              </div>
              <div className="govuk-summary-card__content">
                <SummaryList
                  rows={[
                    ...(subject.relation === 'ADULT' ? [{ key: 'Relevance to the child', value: subject.relevance ?? 'Not recorded yet: their detail stays withheld until it is' }] : []),
                    {
                      key: 'Linked agency records',
                      value:
                        subject.links.length === 0 ? (
                          'None'
                        ) : (
                          <ul className="govuk-list">
                            {subject.links.map((link) => (
                              <li key={`${link.agency}|${link.personId}`}>
                                {agencyName(link.agency)}: record <code>{link.personId}</code>, linked {formatDateTime(link.linkedAt)}
                              </li>
                            ))}
                          </ul>
                        ),
                    },
                  ]}
                />
              </div>
            </div>
          ))}
        </div>
      )}

      <EnquiryTaskList enquiryId={enquiryId} />
    </>
  );
}
