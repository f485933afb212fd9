import { formatDateTime, Loading, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import { TableWrap } from './words';

const FeedsQuery = graphql(`
  query ConsoleIncidentFeeds {
    incidentFeeds {
      agency
      updatedAt
      lastPollAt
      lastError
      lastErrorAt
      receivedTotal
    }
  }
`);

/**
 * The agencies' incident feeds (the daily meeting and Operation Encompass start from them): when each
 * was last read, when it last moved, its last failure. No personal data; for MASH managers and IG.
 */
export function IncidentFeeds() {
  const feeds = useQuery(FeedsQuery, {});
  const list = feeds.data?.incidentFeeds;
  return (
    <section aria-labelledby="incident-feeds" className="govuk-!-margin-top-8" data-testid="incident-feeds">
      <h2 className="govuk-heading-m" id="incident-feeds">
        Incident feeds
      </h2>
      {feeds.error ? (
        // Not an error summary: this block sits on another screen, whose focus it must not take.
        <div className="govuk-warning-text">
          <span className="govuk-warning-text__icon" aria-hidden="true">
            !
          </span>
          <strong className="govuk-warning-text__text">
            <span className="govuk-visually-hidden">Warning</span>
            The incident feeds could not be read: {feeds.error.message} (error code {feeds.error.code}
            {feeds.error.requestId ? `, request id ${feeds.error.requestId}` : ''})
          </strong>
        </div>
      ) : null}
      {feeds.loading && !list ? <Loading what="the incident feeds" /> : null}
      {list ? (
        list.length === 0 ? (
          <p className="govuk-body">No agency offers an incident feed.</p>
        ) : (
          <TableWrap label="Incident feeds">
            <table className="govuk-table" data-testid="incident-feeds-table">
              <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Incident feeds</caption>
              <thead className="govuk-table__head">
                <tr className="govuk-table__row">
                  <th scope="col" className="govuk-table__header">Agency</th>
                  <th scope="col" className="govuk-table__header">Status</th>
                  <th scope="col" className="govuk-table__header">Last read</th>
                  <th scope="col" className="govuk-table__header">Last change read</th>
                  <th scope="col" className="govuk-table__header govuk-table__header--numeric">Received</th>
                </tr>
              </thead>
              <tbody className="govuk-table__body">
                {list.map((feed) => {
                  const failing = feed.lastError !== null && feed.lastError !== undefined && (!feed.lastPollAt || !feed.lastErrorAt || feed.lastErrorAt >= feed.lastPollAt);
                  return (
                    <tr className="govuk-table__row" key={feed.agency}>
                      <th scope="row" className="govuk-table__header">
                        {feed.agency}
                      </th>
                      <td className="govuk-table__cell app-break-words">
                        {failing ? <strong className="govuk-tag govuk-tag--red">Failing</strong> : feed.lastPollAt ? <strong className="govuk-tag govuk-tag--green">Working</strong> : <strong className="govuk-tag govuk-tag--grey">Not read yet</strong>}
                        {feed.lastError ? (
                          <span className="govuk-body-s app-block">
                            {failing ? '' : 'Last failure: '}
                            {feed.lastError} ({formatDateTime(feed.lastErrorAt)})
                          </span>
                        ) : null}
                      </td>
                      <td className="govuk-table__cell app-nowrap">{formatDateTime(feed.lastPollAt)}</td>
                      <td className="govuk-table__cell app-nowrap">{formatDateTime(feed.updatedAt)}</td>
                      <td className="govuk-table__cell govuk-table__cell--numeric">{feed.receivedTotal}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )
      ) : null}
    </section>
  );
}
