import { useState } from 'react';
import { ErrorSummary, formatDateTime, SuccessBanner, SummaryList, useMutation, usePageTitle } from '../../components/common';
import { graphql } from '../../gql';
import type { IgSubjectAccessQuery, PersonIdentifierKind } from '../../gql/graphql';
import { BreakGlassTag, downloadFile, ErrorMessage, FormErrorSummary, problemFor, type FieldProblem } from './form';

const SubjectAccessQuery = graphql(`
  query IgSubjectAccess($kind: PersonIdentifierKind!, $value: String!) {
    whoAccessedByIdentifier(kind: $kind, value: $value) {
      persons {
        agency
        personId
        via
      }
      unavailable {
        agency
        reason
      }
      accesses {
        at
        eventId
        actorId
        actorIssuer
        actorName
        actorAgency
        roles
        operation
        purpose
        legalBasis
        enquiryId
        categories
        breakGlass
        persons {
          agency
          personId
        }
      }
    }
  }
`);

const ExportSubjectAccess = graphql(`
  mutation IgExportSubjectAccess($kind: PersonIdentifierKind!, $value: String!) {
    exportSubjectAccessReport(kind: $kind, value: $value) {
      mediaType
      fileName
      base64
      sha256
      bytes
      auditEventId
    }
  }
`);

const KIND_LABELS: Record<PersonIdentifierKind, string> = { NHS_NUMBER: 'NHS number', UPN: 'Unique pupil number (UPN)' };
const VIA: Record<string, string> = { identifier: 'Carries the identifier', match: 'Matched to a record that does (certain or probable)', link: 'Confirmed as the same enquiry subject' };
const FIELDS: Record<string, string> = { kind: 'sar-kind', value: 'sar-value' };

/**
 * A subject access request from an NHS number or a UPN: who accessed the person's records, when,
 * why and under which law, as a page to print and as a PDF. The identifier is sent in the body of
 * a GraphQL request only: never in the address, the title or the history.
 */
export function SubjectAccessScreen() {
  usePageTitle('Subject access');
  const [kind, setKind] = useState<PersonIdentifierKind>('NHS_NUMBER');
  const [value, setValue] = useState('');
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [report, setReport] = useState<{ kind: PersonIdentifierKind; value: string; at: string; data: IgSubjectAccessQuery['whoAccessedByIdentifier'] } | undefined>(undefined);
  const [exported, setExported] = useState<{ fileName: string; sha256: string; bytes: number } | undefined>(undefined);
  const lookup = useMutation(SubjectAccessQuery);
  const exporter = useMutation(ExportSubjectAccess);
  const serverProblem = problemFor(lookup.error, FIELDS) ?? problemFor(exporter.error, FIELDS);
  const allProblems = serverProblem ? [serverProblem] : problems;
  const errorOf = (id: string) => allProblems.find((problem) => problem.field === id)?.message;

  async function produce() {
    setExported(undefined);
    if (!value.trim()) {
      setProblems([{ field: FIELDS.value!, message: `Enter the ${kind === 'UPN' ? 'UPN' : 'NHS number'}` }]);
      return;
    }
    setProblems([]);
    const answer = await lookup.run({ kind, value: value.trim() });
    if (answer) setReport({ kind, value: value.trim(), at: new Date().toISOString(), data: answer.whoAccessedByIdentifier });
  }

  async function download() {
    if (!report) return;
    const answer = await exporter.run({ kind: report.kind, value: report.value });
    if (!answer) return;
    const file = answer.exportSubjectAccessReport;
    downloadFile(file.base64, file.mediaType, file.fileName);
    setExported({ fileName: file.fileName, sha256: file.sha256, bytes: file.bytes });
  }

  return (
    <>
      <div className="app-no-print">
        <h1 className="govuk-heading-l">Subject access</h1>
        <p className="govuk-body">Who accessed a person's records through the gateway, from the NHS number or UPN they give. The lookup is recorded in the audit log (without the identifier).</p>
        <FormErrorSummary problems={allProblems} />
        <form
          noValidate
          onSubmit={(submit) => {
            submit.preventDefault();
            void produce();
          }}
        >
          <div className="govuk-form-group">
            <fieldset className="govuk-fieldset">
              <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">Identifier</legend>
              <div className="govuk-radios govuk-radios--small govuk-radios--inline" data-module="govuk-radios">
                {(Object.keys(KIND_LABELS) as PersonIdentifierKind[]).map((option) => (
                  <div className="govuk-radios__item" key={option}>
                    <input className="govuk-radios__input" id={option === 'NHS_NUMBER' ? FIELDS.kind : `${FIELDS.kind}-${option}`} name="sar-kind" type="radio" value={option} checked={kind === option} onChange={() => setKind(option)} />
                    <label className="govuk-label govuk-radios__label" htmlFor={option === 'NHS_NUMBER' ? FIELDS.kind : `${FIELDS.kind}-${option}`}>
                      {KIND_LABELS[option]}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <div className={`govuk-form-group${errorOf(FIELDS.value!) ? ' govuk-form-group--error' : ''}`}>
            <label className="govuk-label" htmlFor={FIELDS.value}>
              {kind === 'UPN' ? 'UPN' : 'NHS number'}
            </label>
            <div id={`${FIELDS.value}-hint`} className="govuk-hint">
              {kind === 'UPN' ? '13 characters, for example A123456789012' : '10 digits, for example 943 476 5919'}
            </div>
            <ErrorMessage id={FIELDS.value!} message={errorOf(FIELDS.value!)} />
            <input
              className={`govuk-input govuk-input--width-20${errorOf(FIELDS.value!) ? ' govuk-input--error' : ''}`}
              id={FIELDS.value}
              name="sar-value"
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={value}
              aria-describedby={`${FIELDS.value}-hint${errorOf(FIELDS.value!) ? ` ${FIELDS.value}-error` : ''}`}
              onChange={(change) => setValue(change.target.value)}
            />
          </div>
          <button type="submit" className="govuk-button" disabled={lookup.running}>
            Produce report
          </button>
        </form>
        {lookup.error && !serverProblem ? <ErrorSummary error={lookup.error} /> : null}
        {lookup.running ? (
          <p className="govuk-body" role="status">
            Asking every agency and reading the log…
          </p>
        ) : null}
      </div>
      {report ? (
        <section aria-labelledby="sar-report" data-testid="sar-report">
          <h2 className="govuk-heading-l" id="sar-report">
            Subject access report
          </h2>
          <SummaryList
            rows={[
              { key: report.kind === 'UPN' ? 'UPN' : 'NHS number', value: report.value },
              { key: 'Produced', value: formatDateTime(report.at) },
              { key: 'Agency records found', value: String(report.data.persons.length) },
              { key: 'Accesses', value: String(report.data.accesses.length) },
            ]}
          />
          <div className="govuk-button-group app-no-print">
            <button type="button" className="govuk-button govuk-button--secondary" onClick={() => window.print()}>
              Print
            </button>
            <button type="button" className="govuk-button" disabled={exporter.running} onClick={() => void download()}>
              Download PDF
            </button>
          </div>
          {exporter.error && !serverProblem ? <ErrorSummary error={exporter.error} /> : null}
          {exported ? (
            <SuccessBanner heading={<>PDF downloaded as {exported.fileName}</>} className="app-no-print">
              <p className="govuk-body">
                {exported.bytes} bytes; its SHA-256 <code className="app-break-words">{exported.sha256}</code> is recorded in the audit log.
              </p>
            </SuccessBanner>
          ) : null}
          {report.data.unavailable.length > 0 ? (
            <div className="govuk-warning-text">
              <span className="govuk-warning-text__icon" aria-hidden="true">
                !
              </span>
              <strong className="govuk-warning-text__text">
                <span className="govuk-visually-hidden">Warning</span>
                These agencies could not be asked, so their records of the person may be missing from this report:{' '}
                {report.data.unavailable.map((agency) => `${agency.agency} (${agency.reason})`).join('; ')}.
              </strong>
            </div>
          ) : null}
          <h3 className="govuk-heading-m">Agency records of the person</h3>
          {report.data.persons.length === 0 ? (
            <p className="govuk-body">No agency record was found for this identifier.</p>
          ) : (
            <div className="app-table-wrap">
            <table className="govuk-table" data-testid="sar-persons">
              <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Agency records of the person</caption>
              <thead className="govuk-table__head">
                <tr className="govuk-table__row">
                  <th scope="col" className="govuk-table__header">Agency</th>
                  <th scope="col" className="govuk-table__header">Person id</th>
                  <th scope="col" className="govuk-table__header">Found because</th>
                </tr>
              </thead>
              <tbody className="govuk-table__body">
                {report.data.persons.map((person) => (
                  <tr className="govuk-table__row" key={`${person.agency}-${person.personId}`}>
                    <td className="govuk-table__cell">{person.agency}</td>
                    <td className="govuk-table__cell">{person.personId}</td>
                    <td className="govuk-table__cell">{VIA[person.via] ?? person.via}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          )}
          <h3 className="govuk-heading-m">Who accessed these records</h3>
          {report.data.accesses.length === 0 ? (
            <p className="govuk-body">No access of these records is recorded.</p>
          ) : (
            <div className="app-table-wrap">
              <table className="govuk-table" data-testid="sar-accesses">
                <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Accesses, oldest first</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">When</th>
                    <th scope="col" className="govuk-table__header">Who</th>
                    <th scope="col" className="govuk-table__header">What</th>
                    <th scope="col" className="govuk-table__header">Purpose and legal basis</th>
                    <th scope="col" className="govuk-table__header">Categories</th>
                    <th scope="col" className="govuk-table__header">Break-glass</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {report.data.accesses.map((access) => (
                    <tr className="govuk-table__row" key={access.eventId}>
                      <td className="govuk-table__cell app-nowrap">{formatDateTime(access.at)}</td>
                      <td className="govuk-table__cell">
                        {access.actorName ?? access.actorId}
                        {access.actorAgency ? `, ${access.actorAgency}` : ''}
                        {access.roles.length > 0 ? ` (${access.roles.join(', ')})` : ''}
                      </td>
                      <td className="govuk-table__cell">
                        {access.operation}
                        {access.persons.length > 0 ? `: ${access.persons.map((person) => `${person.agency} ${person.personId}`).join(', ')}` : ''}
                      </td>
                      <td className="govuk-table__cell app-break-words">
                        {access.purpose ?? 'No purpose recorded'}
                        {access.legalBasis ? ` under ${access.legalBasis}` : ''}
                      </td>
                      <td className="govuk-table__cell">{access.categories.join(', ') || '—'}</td>
                      <td className="govuk-table__cell">
                        <BreakGlassTag breakGlass={access.breakGlass} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}
    </>
  );
}
