import { BackLink, DisclosedUnder, ErrorPage, formatDate, formatDateTime, Loading, usePageTitle, useQuery } from '../../components/common';
import { MissingParams } from '../../components/enquiry-form';
import { WithheldMarkerText } from '../../components/enquiry-withheld';
import { AgencyStatus, agencyName, relationWords } from '../../components/enquiry-words';
import { graphql } from '../../gql';
import type { ConsoleProfileQuery } from '../../gql/graphql';
import { useNavigation } from '../../navigation';

const ProfileQuery = graphql(`
  query ConsoleProfile($enquiryId: ID!, $subjectId: ID!) {
    enquiry(id: $enquiryId) {
      id
      referralReference
      purpose
      legalBasis
    }
    profile(enquiryId: $enquiryId, subjectId: $subjectId) {
      enquiryId
      auditEventId
      policyVersion
      subject {
        id
        label
        relation
        relevance
      }
      restricted {
        agency
        label
        reason
        awaiting
        count
        contact {
          name
          role
          organisation
          phone
          email
        }
      }
      agencies {
        agency
        status
        detail
        involvements {
          ...ConsoleProfileInformation
        }
        states {
          ...ConsoleProfileInformation
        }
        events {
          ...ConsoleProfileInformation
        }
        withheld {
          agency
          label
          reason
          awaiting
          count
          contact {
            name
            role
            organisation
            phone
            email
          }
        }
      }
    }
  }

  fragment ConsoleProfileInformation on Information {
    category
    decision
    type
    title
    status
    start
    end
    service
    outcome
    narrative
    withheldFields
    contact {
      name
      role
      phone
    }
    provenance {
      system
      recordId
    }
  }
`);

type AgencyAnswer = ConsoleProfileQuery['profile']['agencies'][number];
type Information = AgencyAnswer['events'][number];

/** An agency's date (a day, or a moment) in words, in the MASH's time zone. */
const when = (value: string): string => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? formatDate(value) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? formatDateTime(value) : value);
const dateRange = (item: Information): string => [item.start, item.end].filter((value): value is string => Boolean(value)).map(when).join(' to ') || '—';

function InformationTable({ caption, items }: { caption: string; items: readonly Information[] }) {
  if (items.length === 0) return null;
  return (
    <div className="app-table-wrap">
      <table className="govuk-table">
        <caption className="govuk-table__caption govuk-table__caption--s">{caption}</caption>
        <thead className="govuk-table__head">
          <tr className="govuk-table__row">
            <th scope="col" className="govuk-table__header">
              What
            </th>
            <th scope="col" className="govuk-table__header">
              When
            </th>
            <th scope="col" className="govuk-table__header">
              Status
            </th>
            <th scope="col" className="govuk-table__header">
              Detail
            </th>
          </tr>
        </thead>
        <tbody className="govuk-table__body">
          {items.map((item) => (
            <tr className="govuk-table__row" key={`${item.provenance.system}|${item.provenance.recordId}`}>
              <td className="govuk-table__cell">
                {item.title ?? item.type ?? item.category}
                {item.decision === 'SUMMARISED' ? (
                  <>
                    {' '}
                    <strong className="govuk-tag govuk-tag--grey">summary</strong>
                  </>
                ) : null}
              </td>
              <td className="govuk-table__cell">{dateRange(item)}</td>
              <td className="govuk-table__cell">{item.status ?? '—'}</td>
              <td className="govuk-table__cell">
                {[item.service, item.outcome, item.narrative].filter(Boolean).join('. ') || '—'}
                {item.contact?.name ? <span className="govuk-body-s app-block">Contact: {[item.contact.name, item.contact.role, item.contact.phone].filter(Boolean).join(', ')}</span> : null}
                {item.withheldFields.length > 0 ? <span className="govuk-body-s app-block">Not shared for this purpose: {item.withheldFields.join(', ')}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AgencySection({ answer }: { answer: AgencyAnswer }) {
  const id = `agency-${answer.agency}`;
  return (
    <section className="govuk-summary-card" aria-labelledby={id} data-testid={`profile-agency-${answer.agency}`}>
      <div className="govuk-summary-card__title-wrapper">
        <h2 className="govuk-summary-card__title" id={id}>
          {agencyName(answer.agency)}
        </h2>
      </div>
      <div className="govuk-summary-card__content">
        <AgencyStatus status={answer.status} detail={answer.detail} />
        <InformationTable caption="Involvements" items={answer.involvements} />
        <InformationTable caption="States" items={answer.states} />
        <InformationTable caption="Events" items={answer.events} />
        {answer.withheld.map((marker) => (
          <WithheldMarkerText key={`${marker.label}|${marker.reason}`} marker={marker} />
        ))}
      </div>
    </section>
  );
}

/** What each agency holds about one subject, agency by agency, as the enquiry's purpose allows. */
export function ProfileScreen() {
  usePageTitle('What each agency holds');
  const { route } = useNavigation();
  const { enquiryId, subjectId } = route.params;
  const answer = useQuery(ProfileQuery, { enquiryId: enquiryId ?? '', subjectId: subjectId ?? '' }, { skip: enquiryId === undefined || subjectId === undefined });
  if (enquiryId === undefined || subjectId === undefined) return <MissingParams what="one subject of an enquiry" />;
  if (answer.error) return <ErrorPage error={answer.error} />;
  if (answer.data === undefined) return <Loading what="each agency's answer" />;
  const { enquiry, profile } = answer.data;
  return (
    <>
      <BackLink to="/enquiry" params={{ enquiryId }}>
        Back to the enquiry
      </BackLink>
      <span className="govuk-caption-l">
        Referral {enquiry.referralReference}: {profile.subject.label ?? 'subject'} ({relationWords(profile.subject.relation)})
      </span>
      <h1 className="govuk-heading-l">What each agency holds</h1>
      <DisclosedUnder purpose={enquiry.purpose} legalBasis={enquiry.legalBasis} policyVersion={profile.policyVersion} />
      {profile.subject.relation === 'ADULT' && !profile.subject.relevance ? (
        <p className="govuk-body">No relevance to the child is recorded for this adult yet, so their more sensitive detail stays withheld. Record it on the household screen.</p>
      ) : null}
      {profile.restricted ? <WithheldMarkerText marker={profile.restricted} /> : null}
      <p className="govuk-body">
        {profile.agencies.filter((agency) => agency.status === 'RECORDS').length} of {profile.agencies.length} agencies hold records.
      </p>
      {profile.agencies.map((agency) => (
        <AgencySection key={agency.agency} answer={agency} />
      ))}
    </>
  );
}
