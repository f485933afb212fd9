import { DisclosedUnder, ErrorSummary, formatDateTime, Loading, usePageTitle, useQuery } from '../../components/common';
import { MissingEnquiry, useWorkEnquiry, useWorkParams, WorkHeading } from '../../components/work-common';
import { graphql } from '../../gql';

const IndicatorsQuery = graphql(`
  query ConsoleRiskIndicators($enquiryId: ID!, $subjectId: ID!) {
    riskIndicators(enquiryId: $enquiryId, subjectId: $subjectId) {
      definitionsId
      definitionsVersion
      evaluated
      computedAt
      auditEventId
      indicators {
        id
        name
        description
        form
        threshold
        count
        references
        period
        earlier {
          count
          references
        }
      }
    }
  }
`);

const FORM_WORDS: Record<string, string> = {
  WINDOW: 'Records in a period',
  CURRENT: 'Current status or involvement',
  ESCALATION: 'More than in the period before',
};

/**
 * The risk indicators that fired for a subject and the household members of the enquiry, each
 * with its count and the records it counts (chronology references): counts for a professional to
 * weigh, never a score.
 */
export function IndicatorsScreen() {
  usePageTitle('Risk indicators');
  const params = useWorkParams(true);
  const enquiry = useWorkEnquiry(params?.enquiryId);
  const indicators = useQuery(IndicatorsQuery, { enquiryId: params?.enquiryId ?? '', subjectId: params?.subjectId ?? '' }, { skip: params === undefined });
  if (params === undefined) return <MissingEnquiry title="Risk indicators" perSubject />;
  const answer = indicators.data?.riskIndicators;
  return (
    <>
      <WorkHeading title="Risk indicators" enquiry={enquiry.data?.enquiry} subjectId={params.subjectId} error={enquiry.error} />
      {enquiry.data && answer ? <DisclosedUnder purpose={enquiry.data.enquiry.purpose} legalBasis={enquiry.data.enquiry.legalBasis} /> : null}
      {indicators.error ? <ErrorSummary error={indicators.error} /> : null}
      {indicators.loading && answer === undefined ? <Loading what="the risk indicators" /> : null}
      {answer ? (
        <>
          <p className="govuk-body" role="status" data-testid="indicators-summary">
            {answer.indicators.length === 0
              ? `None of the ${answer.evaluated} indicators fired.`
              : `${answer.indicators.length} of the ${answer.evaluated} indicators fired.`}
          </p>
          <p className="govuk-body-s">
            Counted only from what the agencies shared with this enquiry (withheld records are never counted), at {formatDateTime(answer.computedAt)}, with the definitions{' '}
            {answer.definitionsId} version {answer.definitionsVersion}. These are counts for you to weigh, not a score or a prediction.
          </p>
          {answer.indicators.map((indicator) => (
            <div className="govuk-summary-card" key={indicator.id} data-testid="indicator">
              <div className="govuk-summary-card__title-wrapper">
                <h2 className="govuk-summary-card__title">
                  {indicator.name}: <span data-testid="indicator-count">{indicator.count}</span>
                </h2>
              </div>
              <div className="govuk-summary-card__content">
                <p className="govuk-body">{indicator.description}</p>
                <dl className="govuk-summary-list">
                  <div className="govuk-summary-list__row">
                    <dt className="govuk-summary-list__key">Count</dt>
                    <dd className="govuk-summary-list__value">
                      {indicator.count} (fires at {indicator.threshold} or more)
                    </dd>
                  </div>
                  <div className="govuk-summary-list__row">
                    <dt className="govuk-summary-list__key">Kind</dt>
                    <dd className="govuk-summary-list__value">{FORM_WORDS[indicator.form] ?? indicator.form}</dd>
                  </div>
                  <div className="govuk-summary-list__row">
                    <dt className="govuk-summary-list__key">Period</dt>
                    <dd className="govuk-summary-list__value">{indicator.period}</dd>
                  </div>
                  <div className="govuk-summary-list__row">
                    <dt className="govuk-summary-list__key">Records counted</dt>
                    <dd className="govuk-summary-list__value">
                      <ul className="govuk-list" data-testid="indicator-references">
                        {indicator.references.map((reference) => (
                          <li key={reference}>
                            <code>{reference}</code>
                          </li>
                        ))}
                      </ul>
                    </dd>
                  </div>
                  {indicator.earlier ? (
                    <div className="govuk-summary-list__row">
                      <dt className="govuk-summary-list__key">The period before</dt>
                      <dd className="govuk-summary-list__value">
                        {indicator.earlier.count} {indicator.earlier.count === 1 ? 'record' : 'records'}
                        {indicator.earlier.references.length > 0 ? `: ${indicator.earlier.references.join(', ')}` : ''}
                      </dd>
                    </div>
                  ) : null}
                </dl>
              </div>
            </div>
          ))}
        </>
      ) : null}
    </>
  );
}
