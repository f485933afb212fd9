import { useMemo, useState } from 'react';
import { DisclosedUnder, formatDate, formatDateTime, Loading, usePageTitle, useQuery, ErrorSummary } from '../../components/common';
import { AgencyStatusTag, agencyName, MissingEnquiry, subjectLabel, useWorkEnquiry, useWorkParams, WithheldMarkerText, WorkHeading } from '../../components/work-common';
import { graphql } from '../../gql';
import type { ConsoleChronologyQuery } from '../../gql/graphql';

const ChronologyQuery = graphql(`
  query ConsoleChronology($enquiryId: ID!, $subjectId: ID!) {
    chronology(enquiryId: $enquiryId, subjectId: $subjectId) {
      enquiryId
      policyVersion
      auditEventId
      subjects {
        id
        label
        relation
        focus
      }
      entries {
        reference
        date
        precision
        kind
        agency
        category
        decision
        type
        title
        status
        start
        end
        location
        narrative
        outcome
        service
        withheldFields
        source
        groupId
        subject {
          id
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
      groups {
        id
        references
        agencies
        evidence {
          rule
          detail
        }
      }
      agencies {
        subjectId
        agency
        status
        detail
      }
      restricted {
        agency
        label
        reason
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
`);

type Entry = ConsoleChronologyQuery['chronology']['entries'][number];

const KIND_WORDS: Record<string, string> = {
  EVENT: 'Event',
  STATE_START: 'Began',
  STATE_END: 'Ended',
  INVOLVEMENT_START: 'Involvement began',
  INVOLVEMENT_END: 'Involvement ended',
};

/** What the gate let through of an entry, in words: the narrative, or what is known without it. */
function summaryOf(entry: Entry): string {
  const parts = [entry.narrative, entry.status ? `Status: ${entry.status}` : null, entry.outcome ? `Outcome: ${entry.outcome}` : null, entry.service ? `Service: ${entry.service}` : null, entry.location ? `Location: ${entry.location}` : null];
  return parts.filter(Boolean).join('. ');
}

function dateOf(entry: Entry): string {
  if (entry.date === null || entry.date === undefined) return 'Undated';
  return entry.precision === 'DATE_TIME' ? formatDateTime(entry.date) : formatDate(entry.date);
}

/**
 * The multi-agency chronology of a subject and the household members of the enquiry: every entry
 * the gate disclosed in date order (as the gateway orders it), contact-log entries among them,
 * incidents seen by more than one agency grouped, withheld information as markers. Filters narrow
 * the answer in the browser (the chronology is read once, as one audited access).
 */
export function ChronologyScreen() {
  usePageTitle('Chronology');
  const params = useWorkParams(true);
  const enquiry = useWorkEnquiry(params?.enquiryId);
  const chronology = useQuery(ChronologyQuery, { enquiryId: params?.enquiryId ?? '', subjectId: params?.subjectId ?? '' }, { skip: params === undefined });
  const [agency, setAgency] = useState('');
  const [person, setPerson] = useState('');
  const [category, setCategory] = useState('');
  const answer = chronology.data?.chronology;

  const options = useMemo(() => {
    const entries = answer?.entries.filter((entry) => entry.kind !== 'WITHHELD') ?? [];
    return {
      agencies: [...new Set(entries.map((entry) => entry.agency))].sort(),
      categories: [...new Set(entries.map((entry) => entry.category).filter((value): value is string => typeof value === 'string'))].sort(),
    };
  }, [answer]);

  if (params === undefined) return <MissingEnquiry title="Chronology" perSubject />;
  const subjects = answer?.subjects ?? [];
  const dated = (answer?.entries ?? []).filter((entry) => entry.kind !== 'WITHHELD');
  const shown = dated.filter((entry) => (agency === '' || entry.agency === agency) && (person === '' || entry.subject.id === person) && (category === '' || entry.category === category));
  const markers = (answer?.entries ?? []).filter((entry) => entry.kind === 'WITHHELD' && (agency === '' || entry.agency === agency) && (person === '' || entry.subject.id === person));

  return (
    <>
      <WorkHeading title="Chronology" enquiry={enquiry.data?.enquiry} subjectId={params.subjectId} error={enquiry.error} />
      {enquiry.data && answer ? <DisclosedUnder purpose={enquiry.data.enquiry.purpose} legalBasis={enquiry.data.enquiry.legalBasis} policyVersion={answer.policyVersion} /> : null}
      {chronology.error ? <ErrorSummary error={chronology.error} /> : null}
      {chronology.loading && answer === undefined ? <Loading what="the chronology" /> : null}
      {answer ? (
        <>
          {answer.restricted ? (
            <div className="govuk-warning-text">
              <span className="govuk-warning-text__icon" aria-hidden="true">
                !
              </span>
              <strong className="govuk-warning-text__text">
                <span className="govuk-visually-hidden">Warning</span>
                {answer.restricted.reason.startsWith(answer.restricted.label) ? answer.restricted.reason : `${answer.restricted.label}. ${answer.restricted.reason}`}
              </strong>
            </div>
          ) : null}
          <form className="app-no-print" onSubmit={(event) => event.preventDefault()} aria-label="Filter the chronology">
            <div className="app-actions">
              <div className="govuk-form-group">
                <label className="govuk-label" htmlFor="chronology-agency">
                  Agency
                </label>
                <select className="govuk-select" id="chronology-agency" value={agency} onChange={(event) => setAgency(event.target.value)}>
                  <option value="">All agencies</option>
                  {options.agencies.map((value) => (
                    <option key={value} value={value}>
                      {agencyName(value)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="govuk-form-group">
                <label className="govuk-label" htmlFor="chronology-person">
                  Person
                </label>
                <select className="govuk-select" id="chronology-person" value={person} onChange={(event) => setPerson(event.target.value)}>
                  <option value="">Everyone</option>
                  {subjects.map((subject) => (
                    <option key={subject.id} value={subject.id}>
                      {subjectLabel(subjects, subject.id)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="govuk-form-group">
                <label className="govuk-label" htmlFor="chronology-category">
                  Category
                </label>
                <select className="govuk-select" id="chronology-category" value={category} onChange={(event) => setCategory(event.target.value)}>
                  <option value="">All categories</option>
                  {options.categories.map((value) => (
                    <option key={value} value={value}>
                      {value}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          </form>
          <p className="govuk-body" role="status" data-testid="chronology-count">
            {shown.length === dated.length ? `${dated.length} ${dated.length === 1 ? 'entry' : 'entries'}, oldest first.` : `${shown.length} of ${dated.length} entries match, oldest first.`}
          </p>
          {shown.length > 0 ? (
            <div className="app-table-wrap">
              <table className="govuk-table app-chronology" data-testid="chronology-table">
                <caption className="govuk-table__caption govuk-table__caption--m govuk-visually-hidden">Chronology entries, oldest first</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">Date</th>
                    <th scope="col" className="govuk-table__header">Agency</th>
                    <th scope="col" className="govuk-table__header">Person</th>
                    <th scope="col" className="govuk-table__header">What happened</th>
                    <th scope="col" className="govuk-table__header">Category</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {shown.map((entry, index) => (
                    <tr className="govuk-table__row" key={`${entry.reference ?? 'marker'}-${entry.kind}-${entry.subject.id}-${index}`} data-testid="chronology-entry">
                      <td className="govuk-table__cell app-nowrap">{dateOf(entry)}</td>
                      <td className="govuk-table__cell">
                        {agencyName(entry.agency)}
                        {entry.source === 'CONTACT_LOG' ? (
                          <>
                            <br />
                            <strong className="govuk-tag govuk-tag--purple">Contact log</strong>
                          </>
                        ) : null}
                      </td>
                      <td className="govuk-table__cell">{subjectLabel(subjects, entry.subject.id)}</td>
                      <td className="govuk-table__cell">
                        <strong data-testid="entry-title">{entry.title ?? entry.type ?? 'Record'}</strong>
                        {KIND_WORDS[entry.kind] && entry.kind !== 'EVENT' ? <span className="govuk-body-s"> ({KIND_WORDS[entry.kind]})</span> : null}
                        {entry.groupId ? (
                          <>
                            {' '}
                            <a className="govuk-link govuk-body-s" href={`#incident-${entry.groupId}`}>
                              Incident {entry.groupId}
                            </a>
                          </>
                        ) : null}
                        {summaryOf(entry) ? <p className="govuk-body-s govuk-!-margin-bottom-0 app-pre-wrap">{summaryOf(entry)}</p> : null}
                        {entry.decision === 'SUMMARISED' || entry.withheldFields.length > 0 ? (
                          <p className="govuk-body-s govuk-!-margin-bottom-0">
                            <strong className="govuk-tag govuk-tag--yellow">Summary only</strong> Not shared: {entry.withheldFields.join(', ') || 'detail'}.
                          </p>
                        ) : null}
                        <span className="govuk-body-s app-reference">{entry.reference}</span>
                      </td>
                      <td className="govuk-table__cell govuk-body-s">{entry.category}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}

          {answer.groups.length > 0 ? (
            <>
              <h2 className="govuk-heading-m">Incidents seen by more than one agency</h2>
              <p className="govuk-body">Entries of different agencies that look like one incident, and why. They are not merged: each agency’s entry stays in the chronology.</p>
              {answer.groups.map((group) => (
                <div className="govuk-summary-card" key={group.id} id={`incident-${group.id}`} data-testid="incident-group">
                  <div className="govuk-summary-card__title-wrapper">
                    <h3 className="govuk-summary-card__title">
                      Incident {group.id}: {group.agencies.map(agencyName).join(', ')}
                    </h3>
                  </div>
                  <div className="govuk-summary-card__content">
                    <ul className="govuk-list govuk-list--bullet">
                      {group.references.map((reference) => {
                        const entry = dated.find((candidate) => candidate.reference === reference);
                        return (
                          <li key={reference}>
                            {entry ? `${dateOf(entry)}, ${agencyName(entry.agency)}: ${entry.title ?? entry.type ?? 'Record'}` : reference}
                          </li>
                        );
                      })}
                    </ul>
                    <p className="govuk-body-s govuk-!-margin-bottom-0">Why grouped: {group.evidence.map((evidence) => `${evidence.rule}: ${evidence.detail}`).join('; ')}.</p>
                  </div>
                </div>
              ))}
            </>
          ) : null}

          <h2 className="govuk-heading-m">Information not shared</h2>
          {markers.length === 0 ? (
            <p className="govuk-body">No agency holds information this enquiry’s purpose does not allow to be shared{agency || person ? ' (for the filter chosen)' : ''}.</p>
          ) : (
            <ul className="govuk-list" data-testid="withheld-markers">
              {markers.map((entry, index) =>
                entry.withheld ? (
                  <li key={`${entry.agency}-${entry.subject.id}-${index}`}>
                    {subjectLabel(subjects, entry.subject.id)}: <WithheldMarkerText marker={entry.withheld} />
                  </li>
                ) : null,
              )}
            </ul>
          )}

          <h2 className="govuk-heading-m">What each agency answered</h2>
          <div className="app-table-wrap">
            <table className="govuk-table">
              <caption className="govuk-table__caption govuk-visually-hidden">Each agency’s answer for each person</caption>
              <thead className="govuk-table__head">
                <tr className="govuk-table__row">
                  <th scope="col" className="govuk-table__header">Person</th>
                  <th scope="col" className="govuk-table__header">Agency</th>
                  <th scope="col" className="govuk-table__header">Answer</th>
                </tr>
              </thead>
              <tbody className="govuk-table__body">
                {answer.agencies.map((status) => (
                  <tr className="govuk-table__row" key={`${status.subjectId}-${status.agency}`}>
                    <td className="govuk-table__cell">{subjectLabel(subjects, status.subjectId)}</td>
                    <td className="govuk-table__cell">{agencyName(status.agency)}</td>
                    <td className="govuk-table__cell">
                      <AgencyStatusTag status={status.status} />
                      {status.detail ? <span className="govuk-body-s"> {status.detail}</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </>
  );
}
