import { useEffect, useRef, type ReactNode } from 'react';
import type { ApiError } from '../api';
import { graphql } from '../gql';
import { ScreenLink, useNavigation } from '../navigation';
import { ErrorSummary, Loading, RagTag, useQuery } from './common';

/**
 * Pieces the researcher's work screens share: the enquiry a screen is about (from the route's
 * in-memory params), a heading naming the enquiry by its referral reference and a subject by the
 * label the enquiry gives them (never a name), and forms' error handling.
 */

const WorkEnquiryQuery = graphql(`
  query ConsoleWorkEnquiry($id: ID!) {
    enquiry(id: $id) {
      id
      referralReference
      purpose
      legalBasis
      rag
      status
      subjects {
        id
        label
        relation
      }
    }
  }
`);

export type WorkEnquiry = NonNullable<ReturnType<typeof useWorkEnquiry>['data']>['enquiry'];

export function useWorkEnquiry(enquiryId: string | undefined) {
  return useQuery(WorkEnquiryQuery, { id: enquiryId ?? '' }, { skip: enquiryId === undefined });
}

/** The enquiry and (for per-subject screens) the subject the screen was opened with; undefined when missing. */
export function useWorkParams(perSubject: boolean): { enquiryId: string; subjectId: string | undefined } | undefined {
  const { route } = useNavigation();
  const { enquiryId, subjectId } = route.params;
  if (enquiryId === undefined || (perSubject && subjectId === undefined)) return undefined;
  return { enquiryId, subjectId };
}

/** What a screen opened without its enquiry (e.g. after a reload) says. */
export function MissingEnquiry({ title, perSubject }: { title: string; perSubject: boolean }) {
  return (
    <>
      <h1 className="govuk-heading-l">{title}</h1>
      <p className="govuk-body">
        This screen shows one {perSubject ? 'person in an enquiry' : 'enquiry'}, and it was opened without one (reloading the page forgets which, so that nothing about a person is kept in
        the address).
      </p>
      <p className="govuk-body">
        Go to <ScreenLink to="/enquiries">My enquiries</ScreenLink> and open the task again.
      </p>
    </>
  );
}

/** The subject's label within the enquiry ("Child 1"), or its position. */
export function subjectLabel(subjects: readonly { id: string; label?: string | null }[], subjectId: string | null | undefined): string {
  const index = subjects.findIndex((subject) => subject.id === subjectId);
  if (index < 0) return 'Another subject';
  return subjects[index]!.label ?? `Subject ${index + 1}`;
}

/**
 * The screen's heading, with the enquiry's reference (and the subject's label) as a caption, and a
 * link back to the caller's enquiries. Renders the loading or error state while the enquiry is asked for.
 */
export function WorkHeading({ title, enquiry, subjectId, error }: { title: string; enquiry: WorkEnquiry | undefined; subjectId?: string; error?: ApiError }) {
  return (
    <>
      <ScreenLink to="/enquiries" className="govuk-back-link">
        My enquiries
      </ScreenLink>
      {enquiry ? (
        <span className="govuk-caption-l">
          {enquiry.referralReference}
          {subjectId ? ` · ${subjectLabel(enquiry.subjects, subjectId)}` : ''} <RagTag rag={enquiry.rag} />
        </span>
      ) : null}
      <h1 className="govuk-heading-l">{title}</h1>
      {error ? <ErrorSummary error={error} /> : enquiry === undefined ? <Loading what="the enquiry" /> : null}
    </>
  );
}

/** BAD_INPUT's message when the gateway names this field (or one inside it, e.g. nextSteps[0].due). */
export function fieldError(error: ApiError | undefined, ...fields: string[]): string | undefined {
  if (error?.code !== 'BAD_INPUT') return undefined;
  const named = error.details.field;
  if (typeof named !== 'string') return undefined;
  return fields.some((field) => named === field || named.startsWith(`${field}.`) || named.startsWith(`${field}[`)) ? error.message : undefined;
}

/**
 * A form's error summary (GOV.UK): the gateway's message, linked to the field it names when the
 * form has it; otherwise the error with its code and request id.
 */
export function FormErrorSummary({ error, fieldIds }: { error: ApiError; fieldIds: Record<string, string> }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [error]);
  const named = typeof error.details.field === 'string' ? error.details.field : undefined;
  // The most specific field the form has for the one named (nextSteps[0].due before nextSteps).
  const target =
    error.code === 'BAD_INPUT' && named !== undefined
      ? Object.entries(fieldIds)
          .filter(([field]) => named === field || named.startsWith(`${field}.`) || named.startsWith(`${field}[`))
          .sort(([a], [b]) => b.length - a.length)[0]?.[1]
      : undefined;
  if (target === undefined) return <ErrorSummary error={error} />;
  return (
    <div className="govuk-error-summary" data-module="govuk-error-summary" ref={ref} tabIndex={-1}>
      <div role="alert">
        <h2 className="govuk-error-summary__title">There is a problem</h2>
        <div className="govuk-error-summary__body">
          <ul className="govuk-list govuk-error-summary__list">
            <li>
              <a href={`#${target}`}>{error.message}</a>
            </li>
          </ul>
          {error.requestId ? <p className="govuk-body-s">Request id <code>{error.requestId}</code></p> : null}
        </div>
      </div>
    </div>
  );
}

/** A GOV.UK form group with its label, hint and error message around one field. */
export function Field({ id, label, hint, error, children, labelClass }: { id: string; label: string; hint?: string; error?: string; children: ReactNode; labelClass?: string }) {
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <label className={`govuk-label${labelClass ? ` ${labelClass}` : ''}`} htmlFor={id}>
        {label}
      </label>
      {hint ? (
        <div className="govuk-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <p className="govuk-error-message" id={`${id}-error`}>
          <span className="govuk-visually-hidden">Error:</span> {error}
        </p>
      ) : null}
      {children}
    </div>
  );
}

/** aria-describedby for a field with an optional hint and error. */
export const describedBy = (id: string, hint: boolean, error: string | undefined): string | undefined => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

const STATUS_CLASS: Record<string, string> = { RECORDS: 'govuk-tag--blue', NO_RECORD: 'govuk-tag--grey', UNAVAILABLE: 'govuk-tag--red', NOT_SUPPORTED: 'govuk-tag--grey', NOT_LINKED: 'govuk-tag--grey' };
const STATUS_WORDS: Record<string, string> = {
  RECORDS: 'Records held',
  NO_RECORD: 'No record',
  UNAVAILABLE: 'Unavailable',
  NOT_SUPPORTED: 'Not supported',
  NOT_LINKED: 'Not linked',
};

/** An agency's answer, as a tag and words: records, no record, unavailable (never mistaken for no record). */
export function AgencyStatusTag({ status }: { status: string }) {
  return <strong className={`govuk-tag ${STATUS_CLASS[status] ?? 'govuk-tag--grey'}`}>{STATUS_WORDS[status] ?? status}</strong>;
}

/** "health" → "Health", "social-care" → "Social care". */
export const agencyName = (agency: string): string => {
  const words = agency.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** A withheld marker: what is held, why it is not shown, and whom to contact. */
export function WithheldMarkerText({ marker }: { marker: { agency: string; label: string; reason: string; awaiting?: string | null; count: number; contact?: { name?: string | null; role?: string | null; organisation?: string | null; phone?: string | null; email?: string | null } | null } }) {
  const contact = marker.contact;
  const who = contact ? [contact.name, contact.role, contact.organisation].filter(Boolean).join(', ') : '';
  const reach = contact ? [contact.phone, contact.email].filter(Boolean).join(', ') : '';
  return (
    <>
      <strong className="govuk-tag govuk-tag--yellow">Withheld</strong> {agencyName(marker.agency)}: {marker.label} ({marker.count} {marker.count === 1 ? 'record' : 'records'}). {marker.reason}
      {marker.awaiting === 'ORIGINATOR_APPROVAL' && !/approv/i.test(marker.reason) ? ' Waiting for the agency’s approval.' : ''}
      {who || reach ? (
        <>
          {' '}
          Contact {who}
          {reach ? ` (${reach})` : ''}.
        </>
      ) : null}
    </>
  );
}
