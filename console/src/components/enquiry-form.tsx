import { useEffect, useRef, type ReactNode } from 'react';
import type { ApiError } from '../api';
import { ScreenLink } from '../navigation';

/**
 * Form pieces for the enquiry screens, in GOV.UK Design System markup: an error summary whose
 * links move focus to the field the gateway named (`details.field`), and fields that show that
 * error against themselves. Field ids are the gateway's field names (e.g. `source.organisation`),
 * so a BAD_INPUT answer lands on the right field without a lookup table.
 */

/** The gateway's field for a BAD_INPUT answer, if it named one. */
export function errorField(error: ApiError | undefined): string | undefined {
  if (error === undefined || error.code !== 'BAD_INPUT') return undefined;
  const field = error.details.field;
  return typeof field === 'string' ? field : undefined;
}

/** A DOM id for a gateway field name (dots and brackets are awkward in selectors). */
export const fieldId = (field: string): string => `field-${field.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/**
 * The error summary of a form. A link goes to the field by focusing it, not by changing the
 * address (a hash in the address would lose the screen's details held in memory).
 */
export function FormErrorSummary({ error, fieldFor }: { error: ApiError; fieldFor?: (field: string) => string | undefined }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [error]);
  const named = errorField(error);
  const target = named === undefined ? undefined : (fieldFor?.(named) ?? named);
  return (
    <div className="govuk-error-summary" data-module="govuk-error-summary" ref={ref} tabIndex={-1}>
      <div role="alert">
        <h2 className="govuk-error-summary__title">{error.code.startsWith('FORBIDDEN') ? 'You cannot do this' : 'There is a problem'}</h2>
        <div className="govuk-error-summary__body">
          <ul className="govuk-list govuk-error-summary__list">
            <li>
              {target !== undefined ? (
                <a
                  href={`#${fieldId(target)}`}
                  onClick={(event) => {
                    event.preventDefault();
                    const element = document.getElementById(fieldId(target)) ?? document.querySelector<HTMLElement>(`[data-field="${target}"] input, [data-field="${target}"] textarea`);
                    element?.focus();
                    element?.scrollIntoView({ block: 'center' });
                  }}
                >
                  {error.message}
                </a>
              ) : (
                error.message
              )}
            </li>
          </ul>
          <p className="govuk-body-s govuk-!-margin-bottom-0">
            Error code <code>{error.code}</code>
            {error.requestId ? (
              <>
                {' '}
                · request id <code data-testid="request-id">{error.requestId}</code> (quote it to the gateway's operators)
              </>
            ) : null}
          </p>
        </div>
      </div>
    </div>
  );
}

interface FieldProps {
  field: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
}

function ErrorMessage({ field, error }: { field: string; error: string | undefined }) {
  if (error === undefined) return null;
  return (
    <p id={`${fieldId(field)}-error`} className="govuk-error-message">
      <span className="govuk-visually-hidden">Error:</span> {error}
    </p>
  );
}

const describedBy = (field: string, hint: unknown, error: unknown): string | undefined =>
  [hint ? `${fieldId(field)}-hint` : '', error ? `${fieldId(field)}-error` : ''].filter(Boolean).join(' ') || undefined;

export function TextField({ field, label, hint, error, value, onChange, width, autoComplete, inputMode }: FieldProps & { value: string; onChange(value: string): void; width?: 10 | 20 | 30; autoComplete?: string; inputMode?: 'numeric' | 'text' }) {
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label" htmlFor={fieldId(field)}>
        {label}
      </label>
      {hint ? (
        <div id={`${fieldId(field)}-hint`} className="govuk-hint">
          {hint}
        </div>
      ) : null}
      <ErrorMessage field={field} error={error} />
      <input
        className={`govuk-input${width ? ` govuk-input--width-${width}` : ''}${error ? ' govuk-input--error' : ''}`}
        id={fieldId(field)}
        name={field}
        type="text"
        spellCheck={false}
        autoComplete={autoComplete ?? 'off'}
        inputMode={inputMode}
        value={value}
        aria-describedby={describedBy(field, hint, error)}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

export function TextareaField({ field, label, hint, error, value, onChange, rows }: FieldProps & { value: string; onChange(value: string): void; rows?: number }) {
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label" htmlFor={fieldId(field)}>
        {label}
      </label>
      {hint ? (
        <div id={`${fieldId(field)}-hint`} className="govuk-hint">
          {hint}
        </div>
      ) : null}
      <ErrorMessage field={field} error={error} />
      <textarea
        className={`govuk-textarea${error ? ' govuk-textarea--error' : ''}`}
        id={fieldId(field)}
        name={field}
        rows={rows ?? 5}
        value={value}
        aria-describedby={describedBy(field, hint, error)}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

export interface Choice {
  value: string;
  label: ReactNode;
  hint?: ReactNode;
  /** Shown under the choice while it is selected (GOV.UK conditional reveal). */
  conditional?: ReactNode;
}

/** Radios in a fieldset; the first radio carries the field's id so the error summary can focus it. */
export function RadiosField({ field, label, hint, error, value, onChange, choices, inline, small }: FieldProps & { value: string; onChange(value: string): void; choices: Choice[]; inline?: boolean; small?: boolean }) {
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`} data-field={field}>
      <fieldset className="govuk-fieldset" aria-describedby={describedBy(field, hint, error)}>
        <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">{label}</legend>
        {hint ? (
          <div id={`${fieldId(field)}-hint`} className="govuk-hint">
            {hint}
          </div>
        ) : null}
        <ErrorMessage field={field} error={error} />
        <div className={`govuk-radios${inline ? ' govuk-radios--inline' : ''}${small ? ' govuk-radios--small' : ''}`}>
          {choices.map((choice, index) => {
            const id = index === 0 ? fieldId(field) : `${fieldId(field)}-${index + 1}`;
            return (
              <div key={choice.value}>
                <div className="govuk-radios__item">
                  <input className="govuk-radios__input" id={id} name={field} type="radio" value={choice.value} checked={value === choice.value} onChange={() => onChange(choice.value)} aria-describedby={choice.hint ? `${id}-hint` : undefined} />
                  <label className="govuk-label govuk-radios__label" htmlFor={id}>
                    {choice.label}
                  </label>
                  {choice.hint ? (
                    <div id={`${id}-hint`} className="govuk-hint govuk-radios__hint">
                      {choice.hint}
                    </div>
                  ) : null}
                </div>
                {choice.conditional && value === choice.value ? <div className="govuk-radios__conditional">{choice.conditional}</div> : null}
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

export function CheckboxesField({ field, label, hint, error, values, onChange, choices }: FieldProps & { values: string[]; onChange(values: string[]): void; choices: Choice[] }) {
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`} data-field={field}>
      <fieldset className="govuk-fieldset" aria-describedby={describedBy(field, hint, error)}>
        <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">{label}</legend>
        {hint ? (
          <div id={`${fieldId(field)}-hint`} className="govuk-hint">
            {hint}
          </div>
        ) : null}
        <ErrorMessage field={field} error={error} />
        <div className="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
          {choices.map((choice, index) => {
            const id = index === 0 ? fieldId(field) : `${fieldId(field)}-${index + 1}`;
            const checked = values.includes(choice.value);
            return (
              <div className="govuk-checkboxes__item" key={choice.value}>
                <input
                  className="govuk-checkboxes__input"
                  id={id}
                  name={field}
                  type="checkbox"
                  value={choice.value}
                  checked={checked}
                  onChange={() => onChange(checked ? values.filter((v) => v !== choice.value) : [...values, choice.value])}
                />
                <label className="govuk-label govuk-checkboxes__label" htmlFor={id}>
                  {choice.label}
                </label>
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

/** A screen opened without the enquiry (or subject) it is about, e.g. after a reload: says so. */
export function MissingParams({ what }: { what: string }) {
  return (
    <>
      <h1 className="govuk-heading-l">Choose an enquiry first</h1>
      <p className="govuk-body">
        This screen shows {what}. Which one is kept only while the console is open, so after a reload it is forgotten. Open the enquiry again from the{' '}
        <ScreenLink to="/queue">triage queue</ScreenLink>.
      </p>
    </>
  );
}
