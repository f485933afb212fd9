import { useState } from 'react';
import { ErrorSummary, formatDateTime, useMutation, usePageTitle } from '../../components/common';
import { graphql } from '../../gql';
import type { ConsoleEncompassHistoryQuery } from '../../gql/graphql';
import { FormErrorSummary, problemFor, TextField, type FieldProblem } from '../ig/form';
import { TableWrap, who } from './words';

const HistoryQuery = graphql(`
  query ConsoleEncompassHistory($school: String, $agency: String, $personId: String) {
    encompassNotificationHistory(school: $school, agency: $agency, personId: $personId) {
      id
      incidentId
      incidentReference
      agency
      personId
      school
      schoolName
      keyAdult
      channels
      fieldNames
      ruleId
      sentAt
      dueBy
      acknowledgedAt
      acknowledgedBy {
        id
        issuer
        name
        agency
      }
      escalatedAt
      auditEventId
    }
  }
`);

type Record_ = ConsoleEncompassHistoryQuery['encompassNotificationHistory'][number];

const FIELDS: Record<string, string> = { school: 'history-school', agency: 'history-agency', personId: 'history-person' };

/**
 * Information governance: what Operation Encompass sent, to whom, when and under which rule, for a
 * school (LAESTAB) or a child (an agency and that agency's person id), each with the audit event
 * that recorded the sending. What is looked up goes in the request's body, never the address.
 */
export function EncompassHistoryScreen() {
  usePageTitle('Operation Encompass history');
  const [by, setBy] = useState<'school' | 'person'>('school');
  const [school, setSchool] = useState('');
  const [agency, setAgency] = useState('');
  const [personId, setPersonId] = useState('');
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [result, setResult] = useState<{ what: string; records: Record_[] } | undefined>(undefined);
  const lookup = useMutation(HistoryQuery);
  const serverProblem = problemFor(lookup.error, FIELDS);
  const shown = serverProblem ? [serverProblem] : problems;
  const errorOf = (id: string) => shown.find((problem) => problem.field === id)?.message;

  async function search() {
    const found: FieldProblem[] = [];
    if (by === 'school' && !/^\d{7}$/.test(school.trim())) found.push({ field: FIELDS.school!, message: 'Enter the school’s LAESTAB: 7 digits, for example 9804001' });
    if (by === 'person' && !agency.trim()) found.push({ field: FIELDS.agency!, message: 'Enter the agency, for example police' });
    if (by === 'person' && !personId.trim()) found.push({ field: FIELDS.personId!, message: 'Enter the child’s person id at that agency' });
    setProblems(found);
    if (found.length > 0) return;
    const variables = by === 'school' ? { school: school.trim() } : { agency: agency.trim(), personId: personId.trim() };
    const answer = await lookup.run(variables);
    if (answer) setResult({ what: by === 'school' ? `school ${school.trim()}` : `${agency.trim()} person ${personId.trim()}`, records: answer.encompassNotificationHistory });
  }

  return (
    <>
      <h1 className="govuk-heading-l">Operation Encompass history</h1>
      <p className="govuk-body">What was sent to schools about a child, to whom, when and under which rule, with the audit event of each sending. Each lookup is recorded in the audit log.</p>
      <FormErrorSummary problems={shown} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void search();
        }}
      >
        <div className="govuk-form-group">
          <fieldset className="govuk-fieldset">
            <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">Look up by</legend>
            <div className="govuk-radios govuk-radios--small govuk-radios--inline">
              <div className="govuk-radios__item">
                <input className="govuk-radios__input" id="history-by" name="history-by" type="radio" checked={by === 'school'} onChange={() => setBy('school')} />
                <label className="govuk-label govuk-radios__label" htmlFor="history-by">
                  School
                </label>
              </div>
              <div className="govuk-radios__item">
                <input className="govuk-radios__input" id="history-by-person" name="history-by" type="radio" checked={by === 'person'} onChange={() => setBy('person')} />
                <label className="govuk-label govuk-radios__label" htmlFor="history-by-person">
                  Child (agency and person id)
                </label>
              </div>
            </div>
          </fieldset>
        </div>
        {by === 'school' ? (
          <TextField id={FIELDS.school!} label="School LAESTAB" hint="The DfE number of the school: 7 digits." value={school} onChange={setSchool} error={errorOf(FIELDS.school!)} width="govuk-input--width-10" />
        ) : (
          <>
            <TextField id={FIELDS.agency!} label="Agency" hint="The agency whose person id you have, for example police." value={agency} onChange={setAgency} error={errorOf(FIELDS.agency!)} width="govuk-input--width-20" />
            <TextField id={FIELDS.personId!} label="Person id at that agency" value={personId} onChange={setPersonId} error={errorOf(FIELDS.personId!)} />
          </>
        )}
        <button type="submit" className="govuk-button" disabled={lookup.running}>
          Show the history
        </button>
      </form>
      {lookup.error && !serverProblem ? <ErrorSummary error={lookup.error} /> : null}
      {result ? (
        <section aria-labelledby="history-result">
          <h2 className="govuk-heading-m" id="history-result">
            Notifications for {result.what}
          </h2>
          {result.records.length === 0 ? (
            <p className="govuk-body" role="status">
              No Operation Encompass notification was sent.
            </p>
          ) : (
            <TableWrap label="Operation Encompass notifications sent">
              <table className="govuk-table govuk-table--small-text-until-tablet" data-testid="encompass-history">
                <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Operation Encompass notifications, newest first</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">Sent</th>
                    <th scope="col" className="govuk-table__header">Child and incident</th>
                    <th scope="col" className="govuk-table__header">To whom</th>
                    <th scope="col" className="govuk-table__header">What and under which rule</th>
                    <th scope="col" className="govuk-table__header">Acknowledged</th>
                    <th scope="col" className="govuk-table__header">Audit event</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {result.records.map((record) => (
                    <tr className="govuk-table__row" key={record.id}>
                      <td className="govuk-table__cell">
                        {formatDateTime(record.sentAt)}
                        <span className="govuk-body-s app-block">due by {formatDateTime(record.dueBy)}</span>
                      </td>
                      <td className="govuk-table__cell">
                        {record.agency} {record.personId}
                        <span className="govuk-body-s app-block">incident {record.incidentReference}</span>
                      </td>
                      <td className="govuk-table__cell app-break-words">
                        {record.keyAdult}, {record.schoolName} ({record.school})<span className="govuk-body-s app-block">by {record.channels.join(', ')}</span>
                      </td>
                      <td className="govuk-table__cell app-break-words">
                        {record.fieldNames.join(', ')}
                        <span className="govuk-body-s app-block">rule {record.ruleId}</span>
                      </td>
                      <td className="govuk-table__cell">
                        {record.acknowledgedAt ? `${formatDateTime(record.acknowledgedAt)} by ${who(record.acknowledgedBy)}` : 'No'}
                        {record.escalatedAt ? <span className="govuk-body-s app-block">escalated {formatDateTime(record.escalatedAt)}</span> : null}
                      </td>
                      <td className="govuk-table__cell app-break-words">
                        <code>{record.auditEventId}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </section>
      ) : null}
    </>
  );
}
