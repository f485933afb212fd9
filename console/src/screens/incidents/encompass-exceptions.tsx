import { useState, type ReactNode } from 'react';
import { ErrorSummary, formatDate, formatDateTime, Loading, SuccessBanner, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { ConsoleEncompassExceptionsQuery } from '../../gql/graphql';
import { fieldErrorFrom, FormErrors, type FieldError } from '../manager/forms';
import { CharacterCount, EXCEPTION_REASONS, who } from './words';

const ExceptionsQuery = graphql(`
  query ConsoleEncompassExceptions($includeResolved: Boolean) {
    encompassExceptions(includeResolved: $includeResolved) {
      id
      reason
      detail
      incidentId
      incidentReference
      personId
      school
      schoolName
      keyAdultPhone
      raisedAt
      schoolDay
      resolvedAt
      resolvedBy {
        id
        issuer
        name
        agency
      }
      resolution
    }
  }
`);

const ResolveMutation = graphql(`
  mutation ConsoleResolveEncompassException($id: ID!, $note: String!) {
    resolveEncompassException(id: $id, note: $note) {
      id
      resolvedAt
      resolution
    }
  }
`);

type Item = ConsoleEncompassExceptionsQuery['encompassExceptions'][number];

const NOTE_MAX = 2000;

/**
 * Operation Encompass exceptions: a child whose school was not found or confirmed, a school without
 * a key adult, a notification not sent or not acknowledged in time. Unresolved first (the gateway's
 * order); the MASH resolves each with what it did, e.g. phoning the school.
 */
export function EncompassExceptionsScreen() {
  usePageTitle('Operation Encompass exceptions');
  const [includeResolved, setIncludeResolved] = useState(false);
  const list = useQuery(ExceptionsQuery, { includeResolved });
  const [resolving, setResolving] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const items = list.data?.encompassExceptions;
  const open = items?.filter((item) => !item.resolvedAt) ?? [];
  const resolved = items?.filter((item) => item.resolvedAt) ?? [];

  return (
    <>
      <h1 className="govuk-heading-l">Operation Encompass exceptions</h1>
      <p className="govuk-body">
        Children whose school could not be told automatically before the school day. For each one, do what it says (for example phone the school’s key adult) and record what you did. Reading this
        list is recorded in the audit log.
      </p>
      <div className="govuk-checkboxes govuk-checkboxes--small govuk-!-margin-bottom-6">
        <div className="govuk-checkboxes__item">
          <input className="govuk-checkboxes__input" id="exceptions-resolved" type="checkbox" checked={includeResolved} onChange={(event) => setIncludeResolved(event.target.checked)} />
          <label className="govuk-label govuk-checkboxes__label" htmlFor="exceptions-resolved">
            Show resolved exceptions too
          </label>
        </div>
      </div>
      {done ? <SuccessBanner heading={done} /> : null}
      {list.error ? <ErrorSummary error={list.error} /> : null}
      {list.loading && !items ? <Loading what="the exceptions" /> : null}
      {items ? (
        <>
          <h2 className="govuk-heading-m">To resolve</h2>
          {open.length === 0 ? (
            <p className="govuk-body" role="status">
              No exception is waiting.
            </p>
          ) : (
            open.map((item) => (
              <ExceptionCard
                key={item.id}
                item={item}
                resolving={resolving === item.id}
                onResolve={() => {
                  setDone(undefined);
                  setResolving(item.id);
                }}
                onCancel={() => setResolving(undefined)}
                onDone={() => {
                  setResolving(undefined);
                  setDone(`The exception for incident ${item.incidentReference} is resolved.`);
                  list.reload();
                }}
              />
            ))
          )}
          {includeResolved ? (
            <>
              <h2 className="govuk-heading-m govuk-!-margin-top-8">Resolved</h2>
              {resolved.length === 0 ? <p className="govuk-body">None resolved yet.</p> : resolved.map((item) => <ExceptionCard key={item.id} item={item} resolving={false} />)}
            </>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function ExceptionCard({ item, resolving, onResolve, onCancel, onDone }: { item: Item; resolving: boolean; onResolve?(): void; onCancel?(): void; onDone?(): void }) {
  const rows: [string, ReactNode][] = [
    ['Why', <strong>{EXCEPTION_REASONS[item.reason] ?? item.reason}</strong>],
    ['What to do', <span className="app-pre-wrap">{item.detail}</span>],
    ['Incident', item.incidentReference],
    ['Child', `Person ${item.personId} at the incident’s agency`],
    ['School', item.schoolName ? `${item.schoolName}${item.school ? ` (${item.school})` : ''}` : item.school ?? 'Not known'],
    ['Key adult’s phone', item.keyAdultPhone ?? 'Not configured'],
    ['School day', item.schoolDay ? formatDate(item.schoolDay) : '—'],
    ['Raised', formatDateTime(item.raisedAt)],
  ];
  if (item.resolvedAt) rows.push(['Resolved', `${formatDateTime(item.resolvedAt)} by ${who(item.resolvedBy)}`], ['What was done', <span className="app-pre-wrap">{item.resolution ?? '—'}</span>]);
  return (
    <section className="govuk-summary-card" data-testid={item.resolvedAt ? 'exception-resolved' : 'exception'} aria-labelledby={`exception-${item.id}`}>
      <div className="govuk-summary-card__title-wrapper">
        <h3 className="govuk-summary-card__title" id={`exception-${item.id}`}>
          Incident {item.incidentReference}
        </h3>
        <ul className="govuk-summary-card__actions">
          <li className="govuk-summary-card__action">{item.resolvedAt ? <strong className="govuk-tag govuk-tag--green">Resolved</strong> : <strong className="govuk-tag govuk-tag--red">Unresolved</strong>}</li>
        </ul>
      </div>
      <div className="govuk-summary-card__content">
        <dl className="govuk-summary-list">
          {rows.map(([key, value]) => (
            <div className="govuk-summary-list__row" key={key}>
              <dt className="govuk-summary-list__key">{key}</dt>
              <dd className="govuk-summary-list__value">{value}</dd>
            </div>
          ))}
        </dl>
        {item.resolvedAt ? null : resolving ? (
          <ResolveForm item={item} onCancel={onCancel!} onDone={onDone!} />
        ) : (
          <button type="button" className="govuk-button govuk-!-margin-top-4 govuk-!-margin-bottom-0" onClick={onResolve}>
            Resolve<span className="govuk-visually-hidden"> the exception for incident {item.incidentReference}</span>
          </button>
        )}
      </div>
    </section>
  );
}

function ResolveForm({ item, onCancel, onDone }: { item: Item; onCancel(): void; onDone(): void }) {
  const resolve = useMutation(ResolveMutation);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const id = `resolve-${item.id}`;
  const serverField = fieldErrorFrom(resolve.error, { note: id });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];
  return (
    <form
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        const problems: FieldError[] = [];
        if (!note.trim()) problems.push({ id, message: 'Enter what was done, for example who you phoned and when' });
        else if (note.length > NOTE_MAX) problems.push({ id, message: `The note must be ${NOTE_MAX} characters or fewer` });
        setErrors(problems);
        if (problems.length > 0) return;
        if (await resolve.run({ id: item.id, note: note.trim() })) onDone();
      }}
    >
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : resolve.error} />
      <CharacterCount id={id} label="What was done" hint="For example: Phoned the school’s DSL at 08:05 and told them." value={note} onChange={setNote} maxLength={NOTE_MAX} error={fieldErrors[0]?.message} rows={3} />
      <div className="govuk-button-group">
        <button type="submit" className="govuk-button" disabled={resolve.running}>
          Resolve the exception
        </button>
        <button type="button" className="govuk-button govuk-button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
