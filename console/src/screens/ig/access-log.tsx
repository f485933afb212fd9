import { useRef, useState } from 'react';
import { ErrorSummary, formatDateTime, Loading, SummaryList, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { AccessLogFilter } from '../../gql/graphql';
import { BreakGlassTag, DateField, dayAfter, describeActor, emptyDate, FormErrorSummary, OutcomeTag, problemFor, readDate, TextField, type DateParts, type FieldProblem } from './form';

const AccessLogQuery = graphql(`
  query IgAccessLog($filter: AccessLogFilter, $first: Int, $after: String) {
    accessLog(filter: $filter, first: $first, after: $after) {
      endCursor
      hasNextPage
      events {
        id
        seq
        at
        requestId
        operation
        outcome
        outcomeCode
        reason
        actor {
          id
          issuer
          name
          agency
          roles
        }
        enquiryId
        purpose
        legalBasis
        policyVersion
        breakGlass
        sharedSurname
        managerJoin
        hash
        subjects {
          subjectId
          links {
            agency
            personId
          }
        }
        decisions {
          agency
          category
          decision
          ruleId
          fields
          recordIds
          markers
          reason
          personIds
        }
      }
    }
  }
`);

export const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'] as const;
const DECISIONS = ['disclose', 'summarise', 'withhold', 'deny', 'review', 'unavailable', 'no-record'] as const;
const OUTCOMES = ['success', 'partial', 'refused', 'failed'] as const;
const PAGE = 25;

/** The form's fields by the gateway's field names (for errors it ties to a field). */
const FIELDS: Record<string, string> = { actorId: 'log-actor', enquiryId: 'log-enquiry', agency: 'log-agency', personId: 'log-person', decision: 'log-decision', outcome: 'log-outcome', from: 'log-from', to: 'log-to', first: 'log-actor' };

interface FormState {
  actorId: string;
  enquiryId: string;
  agency: string;
  personId: string;
  decision: string;
  outcome: string;
  from: DateParts;
  to: DateParts;
}

const EMPTY: FormState = { actorId: '', enquiryId: '', agency: '', personId: '', decision: '', outcome: '', from: emptyDate, to: emptyDate };

/** The access log for information governance: filtered, oldest first, a page at a time; each event's decisions per agency. */
export function AccessLogScreen() {
  usePageTitle('Access log');
  const [form, setForm] = useState<FormState>(EMPTY);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [filter, setFilter] = useState<AccessLogFilter>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const details = useRef<HTMLHeadingElement>(null);
  const after = cursors.at(-1);
  const log = useQuery(AccessLogQuery, { filter, first: PAGE, ...(after ? { after } : {}) });
  const page = log.data?.accessLog;
  const serverProblem = problemFor(log.error, FIELDS);
  const allProblems = serverProblem ? [serverProblem] : problems;
  const errorOf = (id: string) => allProblems.find((problem) => problem.field === id)?.message;
  const event = page?.events.find((candidate) => candidate.id === selected);
  const set = <K extends keyof FormState>(key: K) => (value: FormState[K]) => setForm((previous) => ({ ...previous, [key]: value }));

  function apply() {
    const found: FieldProblem[] = [];
    const from = readDate(form.from, 'From date');
    const to = readDate(form.to, 'To date');
    if (from.problem) found.push({ field: FIELDS.from!, message: from.problem });
    if (to.problem) found.push({ field: FIELDS.to!, message: to.problem });
    if (form.personId.trim() && !form.agency) found.push({ field: FIELDS.agency!, message: 'Choose the agency whose person id this is' });
    setProblems(found);
    if (found.length > 0) return;
    const next: AccessLogFilter = {};
    if (form.actorId.trim()) next.actorId = form.actorId.trim();
    if (form.enquiryId.trim()) next.enquiryId = form.enquiryId.trim();
    if (form.agency) next.agency = form.agency;
    if (form.personId.trim()) next.personId = form.personId.trim();
    if (form.decision) next.decision = form.decision;
    if (form.outcome) next.outcome = form.outcome;
    if (from.iso) next.from = from.iso;
    if (to.iso) next.to = dayAfter(to.iso);
    setCursors([]);
    setSelected(undefined);
    setFilter(next);
    log.reload();
  }

  function select(id: string) {
    setSelected(id);
    requestAnimationFrame(() => details.current?.focus());
  }

  return (
    <>
      <h1 className="govuk-heading-l">Access log</h1>
      <p className="govuk-body">Every access, refusal and IG read the gateway recorded, oldest first. Your reading of the log is recorded too.</p>
      <FormErrorSummary problems={allProblems} />
      <form
        className="govuk-!-margin-bottom-6"
        noValidate
        onSubmit={(submit) => {
          submit.preventDefault();
          apply();
        }}
      >
        <div className="app-filters">
          <TextField id={FIELDS.actorId!} label="Actor" hint="Their subject id, e.g. demo-researcher" value={form.actorId} onChange={set('actorId')} error={errorOf(FIELDS.actorId!)} width="govuk-input--width-10" />
          <TextField id={FIELDS.enquiryId!} label="Enquiry id" value={form.enquiryId} onChange={set('enquiryId')} error={errorOf(FIELDS.enquiryId!)} width="govuk-input--width-20" />
        </div>
        <div className="app-filters">
          <div className={`govuk-form-group${errorOf(FIELDS.agency!) ? ' govuk-form-group--error' : ''}`}>
            <label className="govuk-label" htmlFor={FIELDS.agency}>
              Agency
            </label>
            {errorOf(FIELDS.agency!) ? (
              <p id={`${FIELDS.agency}-error`} className="govuk-error-message">
                <span className="govuk-visually-hidden">Error:</span> {errorOf(FIELDS.agency!)}
              </p>
            ) : null}
            <select className={`govuk-select${errorOf(FIELDS.agency!) ? ' govuk-select--error' : ''}`} id={FIELDS.agency} value={form.agency} aria-describedby={errorOf(FIELDS.agency!) ? `${FIELDS.agency}-error` : undefined} onChange={(change) => set('agency')(change.target.value)}>
              <option value="">Any</option>
              {AGENCIES.map((agency) => (
                <option key={agency} value={agency}>
                  {agency}
                </option>
              ))}
            </select>
          </div>
          <TextField id={FIELDS.personId!} label="Agency person id" hint="The agency's own id; choose the agency too" value={form.personId} onChange={set('personId')} error={errorOf(FIELDS.personId!)} width="govuk-input--width-10" />
          <Select id={FIELDS.decision!} label="Decision" value={form.decision} options={DECISIONS} onChange={set('decision')} error={errorOf(FIELDS.decision!)} />
          <Select id={FIELDS.outcome!} label="Outcome" value={form.outcome} options={OUTCOMES} onChange={set('outcome')} error={errorOf(FIELDS.outcome!)} />
        </div>
        <div className="app-filters">
          <DateField id={FIELDS.from!} legend="From" hint="On or after this day" value={form.from} onChange={set('from')} error={errorOf(FIELDS.from!)} />
          <DateField id={FIELDS.to!} legend="To" hint="Up to and including this day" value={form.to} onChange={set('to')} error={errorOf(FIELDS.to!)} />
        </div>
        <div className="govuk-button-group">
          <button type="submit" className="govuk-button">
            Apply filters
          </button>
          <button
            type="button"
            className="govuk-button govuk-button--secondary"
            onClick={() => {
              setForm(EMPTY);
              setProblems([]);
              setCursors([]);
              setSelected(undefined);
              setFilter({});
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      {log.error && !serverProblem ? <ErrorSummary error={log.error} /> : null}
      {log.loading && page === undefined ? <Loading what="the access log" /> : null}
      {page ? (
        <>
          <p className="govuk-body" role="status">
            {page.events.length === 0 ? 'No events match.' : `Events ${cursors.length * PAGE + 1} to ${cursors.length * PAGE + page.events.length}${page.hasNextPage ? ', more on the next page' : ''}.`}
          </p>
          {page.events.length > 0 ? (
            <div className="app-table-wrap">
              <table className="govuk-table" data-testid="access-log-table">
                <caption className="govuk-table__caption govuk-table__caption--m govuk-visually-hidden">Access events, oldest first</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">When</th>
                    <th scope="col" className="govuk-table__header">Who</th>
                    <th scope="col" className="govuk-table__header">Operation</th>
                    <th scope="col" className="govuk-table__header">Outcome</th>
                    <th scope="col" className="govuk-table__header">Purpose</th>
                    <th scope="col" className="govuk-table__header">Legal basis</th>
                    <th scope="col" className="govuk-table__header">Break-glass</th>
                    <th scope="col" className="govuk-table__header">
                      <span className="govuk-visually-hidden">Details</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {page.events.map((row) => (
                    <tr className="govuk-table__row" key={row.id}>
                      <td className="govuk-table__cell app-nowrap">{formatDateTime(row.at)}</td>
                      <td className="govuk-table__cell">{describeActor(row.actor)}</td>
                      <td className="govuk-table__cell">{row.operation}</td>
                      <td className="govuk-table__cell">
                        <OutcomeTag outcome={row.outcome} />
                      </td>
                      <td className="govuk-table__cell">{row.purpose ?? '—'}</td>
                      <td className="govuk-table__cell app-break-words">{row.legalBasis ?? '—'}</td>
                      <td className="govuk-table__cell">
                        <BreakGlassTag breakGlass={row.breakGlass} />
                      </td>
                      <td className="govuk-table__cell">
                        <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onClick={() => select(row.id)}>
                          Details<span className="govuk-visually-hidden"> of event {row.seq}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <div className="govuk-button-group">
            {cursors.length > 0 ? (
              <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setCursors((previous) => previous.slice(0, -1))}>
                Previous page
              </button>
            ) : null}
            {page.hasNextPage && page.endCursor ? (
              <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setCursors((previous) => [...previous, page.endCursor!])}>
                Next page
              </button>
            ) : null}
          </div>
          {event ? (
            <section aria-labelledby="event-details">
              <h2 className="govuk-heading-m" id="event-details" tabIndex={-1} ref={details}>
                Event {event.seq}: {event.operation}
              </h2>
              <SummaryList
                rows={[
                  { key: 'When', value: formatDateTime(event.at) },
                  { key: 'Who', value: `${describeActor(event.actor)}${event.actor?.issuer ? `; issuer ${event.actor.issuer}` : ''}` },
                  { key: 'Outcome', value: <>{<OutcomeTag outcome={event.outcome} />} {event.outcomeCode ?? ''}</> },
                  { key: 'Reason recorded', value: event.reason ?? '—' },
                  { key: 'Enquiry', value: event.enquiryId ?? '—' },
                  { key: 'Purpose', value: event.purpose ?? '—' },
                  { key: 'Legal basis', value: event.legalBasis ?? '—' },
                  { key: 'Policy version', value: event.policyVersion ?? '—' },
                  { key: 'Flags', value: [event.breakGlass ? 'break-glass' : '', event.sharedSurname ? 'shares a family name with a person searched for or shown' : '', event.managerJoin ? "manager joined on a manager's authority" : ''].filter(Boolean).join('; ') || 'None' },
                  { key: 'Subjects', value: event.subjects.length === 0 ? 'None' : event.subjects.map((subject) => `${subject.subjectId} (${subject.links.map((link) => `${link.agency} ${link.personId}`).join(', ') || 'no links'})`).join('; ') },
                  { key: 'Request id', value: <code>{event.requestId}</code> },
                  { key: 'Event id', value: <code>{event.id}</code> },
                  { key: 'Hash', value: <code className="app-break-words">{event.hash}</code> },
                ]}
              />
              <h3 className="govuk-heading-s">Decisions per agency</h3>
              {event.decisions.length === 0 ? (
                <p className="govuk-body">No decisions were recorded with this event.</p>
              ) : (
                <div className="app-table-wrap">
                  <table className="govuk-table" data-testid="event-decisions">
                    <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Decisions per agency and category</caption>
                    <thead className="govuk-table__head">
                      <tr className="govuk-table__row">
                        <th scope="col" className="govuk-table__header">Agency</th>
                        <th scope="col" className="govuk-table__header">Category</th>
                        <th scope="col" className="govuk-table__header">Decision</th>
                        <th scope="col" className="govuk-table__header">Rule</th>
                        <th scope="col" className="govuk-table__header">Records and fields</th>
                        <th scope="col" className="govuk-table__header">Reason</th>
                      </tr>
                    </thead>
                    <tbody className="govuk-table__body">
                      {event.decisions.map((decision, index) => (
                        <tr className="govuk-table__row" key={`${decision.agency}-${decision.category}-${index}`}>
                          <td className="govuk-table__cell">{decision.agency}</td>
                          <td className="govuk-table__cell">{decision.category}</td>
                          <td className="govuk-table__cell">
                            <strong className="govuk-tag govuk-tag--grey">{decision.decision}</strong>
                          </td>
                          <td className="govuk-table__cell">{decision.ruleId ?? '—'}</td>
                          <td className="govuk-table__cell">
                            {decision.recordIds.length} {decision.recordIds.length === 1 ? 'record' : 'records'}
                            {decision.markers > 0 ? `, ${decision.markers} withheld markers` : ''}
                            {decision.fields.length > 0 ? `; fields ${decision.fields.join(', ')}` : ''}
                            {decision.personIds && decision.personIds.length > 0 ? `; persons shown ${decision.personIds.join(', ')}` : ''}
                          </td>
                          <td className="govuk-table__cell">{decision.reason ?? '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function Select({ id, label, value, options, onChange, error }: { id: string; label: string; value: string; options: readonly string[]; onChange(value: string): void; error?: string }) {
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label" htmlFor={id}>
        {label}
      </label>
      {error ? (
        <p id={`${id}-error`} className="govuk-error-message">
          <span className="govuk-visually-hidden">Error:</span> {error}
        </p>
      ) : null}
      <select className={`govuk-select${error ? ' govuk-select--error' : ''}`} id={id} value={value} aria-describedby={error ? `${id}-error` : undefined} onChange={(change) => onChange(change.target.value)}>
        <option value="">Any</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}
