import { DisclosedUnder, ErrorSummary, Loading, usePageTitle, useQuery } from '../../components/common';
import { AgencyStatusTag, agencyName, MissingEnquiry, useWorkEnquiry, useWorkParams, WithheldMarkerText, WorkHeading } from '../../components/work-common';
import { graphql } from '../../gql';

const ConflictsQuery = graphql(`
  query ConsoleConflicts($enquiryId: ID!, $subjectId: ID!) {
    conflicts(enquiryId: $enquiryId, subjectId: $subjectId) {
      compared
      policyVersion
      auditEventId
      agencies {
        agency
        status
        detail
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
      conflicts {
        field
        kind
        explanation
        sides {
          agency
          personId
          value
          withheld
          provenance {
            system
            recordId
            asOf
          }
        }
      }
    }
  }
`);

const FIELD_WORDS: Record<string, string> = {
  given: 'Given name',
  family: 'Family name',
  birthDate: 'Date of birth',
  gender: 'Gender',
  nhsNumber: 'NHS number',
  address: 'Current address',
};

const KIND: Record<string, { words: string; tag: string }> = {
  CONFLICT: { words: 'Conflict', tag: 'govuk-tag--red' },
  LIKELY_DATA_ENTRY_ERROR: { words: 'Likely data-entry error', tag: 'govuk-tag--orange' },
  STALE_ADDRESS: { words: 'Address out of date', tag: 'govuk-tag--yellow' },
  VARIANT: { words: 'Variant', tag: 'govuk-tag--grey' },
};

/** Where the agencies' records of one linked subject disagree: per detail, each agency's value. */
export function ConflictsScreen() {
  usePageTitle('Conflicting details');
  const params = useWorkParams(true);
  const enquiry = useWorkEnquiry(params?.enquiryId);
  const conflicts = useQuery(ConflictsQuery, { enquiryId: params?.enquiryId ?? '', subjectId: params?.subjectId ?? '' }, { skip: params === undefined });
  if (params === undefined) return <MissingEnquiry title="Conflicting details" perSubject />;
  const answer = conflicts.data?.conflicts;
  const markers = answer?.agencies.flatMap((agency) => agency.withheld) ?? [];
  return (
    <>
      <WorkHeading title="Conflicting details" enquiry={enquiry.data?.enquiry} subjectId={params.subjectId} error={enquiry.error} />
      {enquiry.data && answer ? <DisclosedUnder purpose={enquiry.data.enquiry.purpose} legalBasis={enquiry.data.enquiry.legalBasis} policyVersion={answer.policyVersion} /> : null}
      {conflicts.error ? <ErrorSummary error={conflicts.error} /> : null}
      {conflicts.loading && answer === undefined ? <Loading what="the agencies' details" /> : null}
      {answer ? (
        <>
          <p className="govuk-body" role="status" data-testid="conflicts-summary">
            {answer.conflicts.length === 0
              ? `The agencies agree: ${answer.compared} ${answer.compared === 1 ? 'record was' : 'records were'} compared.`
              : `${answer.conflicts.length} ${answer.conflicts.length === 1 ? 'detail differs' : 'details differ'} across the ${answer.compared} records compared.`}
          </p>
          {answer.conflicts.map((conflict) => (
            <div className="govuk-summary-card" key={conflict.field} data-testid="conflict">
              <div className="govuk-summary-card__title-wrapper">
                <h2 className="govuk-summary-card__title">
                  {FIELD_WORDS[conflict.field] ?? conflict.field} <strong className={`govuk-tag ${KIND[conflict.kind]?.tag ?? ''}`}>{KIND[conflict.kind]?.words ?? conflict.kind}</strong>
                </h2>
              </div>
              <div className="govuk-summary-card__content">
                <p className="govuk-body">{conflict.explanation}</p>
                <div className="app-table-wrap">
                  <table className="govuk-table">
                    <caption className="govuk-table__caption govuk-visually-hidden">Each agency’s {FIELD_WORDS[conflict.field] ?? conflict.field}</caption>
                    <thead className="govuk-table__head">
                      <tr className="govuk-table__row">
                        <th scope="col" className="govuk-table__header">Agency</th>
                        <th scope="col" className="govuk-table__header">What it records</th>
                        <th scope="col" className="govuk-table__header">Record</th>
                      </tr>
                    </thead>
                    <tbody className="govuk-table__body">
                      {conflict.sides.map((side) => (
                        <tr className="govuk-table__row" key={`${side.agency}-${side.personId}`}>
                          <th scope="row" className="govuk-table__header">{agencyName(side.agency)}</th>
                          <td className="govuk-table__cell">{side.withheld ? <strong className="govuk-tag govuk-tag--yellow">Withheld by policy</strong> : side.value}</td>
                          <td className="govuk-table__cell govuk-body-s">
                            {side.provenance.system} {side.provenance.recordId}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
            </div>
          ))}
          {markers.length > 0 ? (
            <>
              <h2 className="govuk-heading-m">Information not shared</h2>
              <ul className="govuk-list">
                {markers.map((marker, index) => (
                  <li key={`${marker.agency}-${index}`}>
                    <WithheldMarkerText marker={marker} />
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <h2 className="govuk-heading-m">What each agency answered</h2>
          <ul className="govuk-list">
            {answer.agencies.map((agency) => (
              <li key={agency.agency}>
                {agencyName(agency.agency)}: <AgencyStatusTag status={agency.status} />
                {agency.detail ? <span className="govuk-body-s"> {agency.detail}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
