import { useEffect, useRef, type ReactNode } from 'react';
import type { ApiError } from '../../api';
import { ErrorSummary } from '../../components/common';

/**
 * Form pieces for the manager's and reviewer's screens, in the Design System's markup: an error
 * summary linking to each field, and fields showing their own error message.
 */

export interface FieldError {
  /** The id of the input the error belongs to. */
  id: string;
  message: string;
}

/** The gateway's BAD_INPUT against one of the form's fields (by its API name), else undefined. */
export function fieldErrorFrom(error: ApiError | undefined, fields: Record<string, string>): FieldError | undefined {
  if (!error || error.code !== 'BAD_INPUT') return undefined;
  const field = typeof error.details.field === 'string' ? error.details.field : undefined;
  const id = field === undefined ? undefined : fields[field];
  return id === undefined ? undefined : { id, message: error.message };
}

/** "There is a problem" with a link to each field in error; focused when it appears. */
export function FieldErrorSummary({ errors }: { errors: FieldError[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const key = errors.map((e) => `${e.id}:${e.message}`).join('|');
  useEffect(() => {
    if (key) ref.current?.focus();
  }, [key]);
  if (errors.length === 0) return null;
  return (
    <div className="govuk-error-summary" data-module="govuk-error-summary" ref={ref} tabIndex={-1}>
      <div role="alert">
        <h2 className="govuk-error-summary__title">There is a problem</h2>
        <div className="govuk-error-summary__body">
          <ul className="govuk-list govuk-error-summary__list">
            {errors.map((error) => (
              <li key={error.id}>
                <a href={`#${error.id}`}>{error.message}</a>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

/** A form's errors: the field errors as a summary, else the gateway's error with its request id. */
export function FormErrors({ fieldErrors, error }: { fieldErrors: FieldError[]; error: ApiError | undefined }) {
  if (fieldErrors.length > 0) return <FieldErrorSummary errors={fieldErrors} />;
  return error ? <ErrorSummary error={error} /> : null;
}

const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;

function ErrorMessage({ id, message }: { id: string; message: string }) {
  return (
    <p id={`${id}-error`} className="govuk-error-message">
      <span className="govuk-visually-hidden">Error:</span> {message}
    </p>
  );
}

interface FieldProps {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  value: string;
  onChange(value: string): void;
  error?: FieldError | undefined;
}

export function TextareaField({ id, label, hint, value, onChange, error, rows = 4 }: FieldProps & { rows?: number }) {
  const mine = error?.id === id ? error : undefined;
  return (
    <div className={`govuk-form-group${mine ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label govuk-label--s" htmlFor={id}>
        {label}
      </label>
      {hint ? (
        <div id={`${id}-hint`} className="govuk-hint">
          {hint}
        </div>
      ) : null}
      {mine ? <ErrorMessage id={id} message={mine.message} /> : null}
      <textarea
        className={`govuk-textarea${mine ? ' govuk-textarea--error' : ''}`}
        id={id}
        name={id}
        rows={rows}
        value={value}
        aria-describedby={describedBy(hint !== undefined && `${id}-hint`, mine && `${id}-error`)}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

export function TextField({ id, label, hint, value, onChange, error, type = 'text', width }: FieldProps & { type?: string; width?: string }) {
  const mine = error?.id === id ? error : undefined;
  return (
    <div className={`govuk-form-group${mine ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label govuk-label--s" htmlFor={id}>
        {label}
      </label>
      {hint ? (
        <div id={`${id}-hint`} className="govuk-hint">
          {hint}
        </div>
      ) : null}
      {mine ? <ErrorMessage id={id} message={mine.message} /> : null}
      <input
        className={`govuk-input${width ? ` ${width}` : ''}${mine ? ' govuk-input--error' : ''}`}
        id={id}
        name={id}
        type={type}
        value={value}
        spellCheck={false}
        aria-describedby={describedBy(hint !== undefined && `${id}-hint`, mine && `${id}-error`)}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

export function RadiosField({ id, legend, hint, options, value, onChange, error }: { id: string; legend: ReactNode; hint?: ReactNode; options: { value: string; label: string; hint?: string }[]; value: string; onChange(value: string): void; error?: FieldError | undefined }) {
  const mine = error?.id === id ? error : undefined;
  return (
    <div className={`govuk-form-group${mine ? ' govuk-form-group--error' : ''}`}>
      <fieldset className="govuk-fieldset" aria-describedby={describedBy(hint !== undefined && `${id}-hint`, mine && `${id}-error`)}>
        <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">{legend}</legend>
        {hint ? (
          <div id={`${id}-hint`} className="govuk-hint">
            {hint}
          </div>
        ) : null}
        {mine ? <ErrorMessage id={id} message={mine.message} /> : null}
        <div className="govuk-radios govuk-radios--small" data-module="govuk-radios">
          {options.map((option, index) => {
            const inputId = index === 0 ? id : `${id}-${index + 1}`;
            return (
              <div className="govuk-radios__item" key={option.value}>
                <input className="govuk-radios__input" id={inputId} name={id} type="radio" value={option.value} checked={value === option.value} onChange={() => onChange(option.value)} aria-describedby={option.hint ? `${inputId}-item-hint` : undefined} />
                <label className="govuk-label govuk-radios__label" htmlFor={inputId}>
                  {option.label}
                </label>
                {option.hint ? (
                  <div id={`${inputId}-item-hint`} className="govuk-hint govuk-radios__hint">
                    {option.hint}
                  </div>
                ) : null}
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

/** A screen opened without what it is about (e.g. after a reload): says so and links back. */
export function MissingParams({ what, back }: { what: string; back: ReactNode }) {
  return (
    <div className="govuk-inset-text" role="status">
      <p className="govuk-body">The console does not know which {what} to show: details are kept only while the page stays open, never in the address.</p>
      <p className="govuk-body">{back}</p>
    </div>
  );
}
