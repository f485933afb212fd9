import { useEffect, useRef, type ReactNode } from 'react';
import type { ApiError } from '../../api';

/**
 * Form pieces for the information-governance screens, in GOV.UK Design System markup: an error
 * summary linking to the fields at fault, text inputs and date inputs with their error messages,
 * and downloading a file the gateway answered as base64 (the file name comes from the gateway and
 * carries no personal data).
 */

export interface FieldProblem {
  field: string;
  message: string;
}

/** A BAD_INPUT error the gateway tied to one of this form's fields (details.field), if any. */
export function problemFor(error: ApiError | undefined, fields: Record<string, string>): FieldProblem | undefined {
  if (error === undefined || error.code !== 'BAD_INPUT') return undefined;
  const named = typeof error.details.field === 'string' ? error.details.field : undefined;
  if (named === undefined) return undefined;
  const id = fields[named] ?? fields[named.replace(/^input\./, '')];
  return id === undefined ? undefined : { field: id, message: error.message };
}

/** The error summary of a form: its problems, each linking to its field. */
export function FormErrorSummary({ problems }: { problems: FieldProblem[] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [problems.map((problem) => problem.message).join('|')]);
  if (problems.length === 0) return null;
  return (
    <div className="govuk-error-summary" data-module="govuk-error-summary" ref={ref} tabIndex={-1}>
      <div role="alert">
        <h2 className="govuk-error-summary__title">There is a problem</h2>
        <div className="govuk-error-summary__body">
          <ul className="govuk-list govuk-error-summary__list">
            {problems.map((problem) => (
              <li key={problem.field + problem.message}>
                <a href={`#${problem.field}`}>{problem.message}</a>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

export function ErrorMessage({ id, message }: { id: string; message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <p id={`${id}-error`} className="govuk-error-message">
      <span className="govuk-visually-hidden">Error:</span> {message}
    </p>
  );
}

export function TextField({
  id,
  label,
  hint,
  value,
  onChange,
  error,
  width = 'govuk-input--width-20',
  spellCheck = false,
  autoComplete = 'off',
}: {
  id: string;
  label: ReactNode;
  hint?: string;
  value: string;
  onChange(value: string): void;
  error?: string;
  width?: string;
  spellCheck?: boolean;
  autoComplete?: string;
}) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label" htmlFor={id}>
        {label}
      </label>
      {hint ? (
        <div id={`${id}-hint`} className="govuk-hint">
          {hint}
        </div>
      ) : null}
      <ErrorMessage id={id} message={error} />
      <input
        className={`govuk-input ${width}${error ? ' govuk-input--error' : ''}`}
        id={id}
        name={id}
        type="text"
        value={value}
        spellCheck={spellCheck}
        autoComplete={autoComplete}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

export interface DateParts {
  day: string;
  month: string;
  year: string;
}

export const emptyDate: DateParts = { day: '', month: '', year: '' };

export const dateParts = (date: Date): DateParts => ({ day: String(date.getDate()), month: String(date.getMonth() + 1), year: String(date.getFullYear()) });

/**
 * The date typed, as the start of that day in the browser's time zone (ISO), undefined when left
 * empty, or a message saying what is wrong.
 */
export function readDate(parts: DateParts, label: string): { iso?: string; problem?: string } {
  const { day, month, year } = { day: parts.day.trim(), month: parts.month.trim(), year: parts.year.trim() };
  if (!day && !month && !year) return {};
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return { problem: `${label} must be a real date, for example 27 3 2026` };
  const date = new Date(Number(year), Number(month) - 1, Number(day));
  if (date.getDate() !== Number(day) || date.getMonth() !== Number(month) - 1) return { problem: `${label} must be a real date, for example 27 3 2026` };
  return { iso: date.toISOString() };
}

/** The day after a date typed (for an "up to and including" date), as ISO. */
export const dayAfter = (iso: string): string => {
  const date = new Date(iso);
  date.setDate(date.getDate() + 1);
  return date.toISOString();
};

export function DateField({ id, legend, hint, value, onChange, error }: { id: string; legend: string; hint?: string; value: DateParts; onChange(value: DateParts): void; error?: string }) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const part = (name: keyof DateParts, label: string, width: string) => (
    <div className="govuk-date-input__item">
      <div className="govuk-form-group">
        <label className="govuk-label govuk-date-input__label" htmlFor={name === 'day' ? id : `${id}-${name}`}>
          {label}
        </label>
        <input
          className={`govuk-input govuk-date-input__input ${width}${error ? ' govuk-input--error' : ''}`}
          id={name === 'day' ? id : `${id}-${name}`}
          name={`${id}-${name}`}
          type="text"
          inputMode="numeric"
          value={value[name]}
          onChange={(event) => onChange({ ...value, [name]: event.target.value })}
        />
      </div>
    </div>
  );
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <fieldset className="govuk-fieldset" role="group" aria-describedby={describedBy}>
        <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">{legend}</legend>
        {hint ? (
          <div id={`${id}-hint`} className="govuk-hint">
            {hint}
          </div>
        ) : null}
        <ErrorMessage id={id} message={error} />
        <div className="govuk-date-input" id={`${id}-group`}>
          {part('day', 'Day', 'govuk-input--width-2')}
          {part('month', 'Month', 'govuk-input--width-2')}
          {part('year', 'Year', 'govuk-input--width-4')}
        </div>
      </fieldset>
    </div>
  );
}

/** Saves bytes the gateway answered (base64) as a file, through a Blob: nothing goes into an address. */
export function downloadFile(base64: string, mediaType: string, fileName: string): void {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  downloadBlob(new Blob([bytes], { type: mediaType }), fileName);
}

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Who an audit event names: their name (or subject), agency and roles. */
export function describeActor(actor: { id: string; name?: string | null; agency?: string | null; roles: readonly string[]; issuer?: string | null } | null | undefined): string {
  if (!actor) return 'Not signed in';
  return `${actor.name ?? actor.id}${actor.agency ? `, ${actor.agency}` : ''}${actor.roles.length ? ` (${actor.roles.join(', ')})` : ''}`;
}

const OUTCOME_TAGS: Record<string, string> = { success: 'govuk-tag--green', partial: 'govuk-tag--yellow', refused: 'govuk-tag--red', failed: 'govuk-tag--grey' };

export function OutcomeTag({ outcome }: { outcome: string }) {
  return <strong className={`govuk-tag ${OUTCOME_TAGS[outcome] ?? 'govuk-tag--grey'}`}>{outcome}</strong>;
}

export function BreakGlassTag({ breakGlass }: { breakGlass: boolean }) {
  return breakGlass ? <strong className="govuk-tag govuk-tag--red">Break-glass</strong> : <span>No</span>;
}
