import { useId, type ReactNode } from 'react';

/**
 * Words and tags shared by the incident screens (the daily domestic-abuse meeting and Operation
 * Encompass): each API enum in words, the GOV.UK tag colour it takes, and the character-count
 * textarea the meeting's forms use.
 */

export const RISK: Record<string, { label: string; className: string }> = {
  HIGH: { label: 'High risk', className: 'govuk-tag--red' },
  MEDIUM: { label: 'Medium risk', className: 'govuk-tag--orange' },
  STANDARD: { label: 'Standard risk', className: 'govuk-tag--blue' },
};

export function RiskTag({ risk }: { risk: string | null | undefined }) {
  const tag = risk ? RISK[risk] : undefined;
  return <strong className={`govuk-tag ${tag?.className ?? 'govuk-tag--grey'}`}>{tag?.label ?? 'Not assessed'}</strong>;
}

export const ROLE_WORDS: Record<string, string> = {
  VICTIM: 'Victim',
  SUSPECT: 'Suspect',
  CHILD_PRESENT: 'Present at the incident',
  CHILD_IN_HOUSEHOLD: 'In the household, not present',
  WITNESS: 'Witness',
  OTHER: 'Other',
};

export const roleWords = (roles: readonly string[]): string => roles.map((role) => ROLE_WORDS[role] ?? role).join(', ') || '—';

export const OUTCOME_WORDS: Record<string, string> = {
  MARAC_REFERRAL: 'MARAC referral',
  MASH_ENQUIRY: 'MASH enquiry opened',
  ENCOMPASS_ONLY: 'Operation Encompass only',
  NO_FURTHER_ACTION: 'No further action',
};

export const ENCOMPASS_STATUS: Record<string, { label: string; className: string }> = {
  PENDING: { label: 'Finding the school', className: 'govuk-tag--grey' },
  PLANNED: { label: 'School found, not sent yet', className: 'govuk-tag--light-blue' },
  SENT: { label: 'Sent to the school', className: 'govuk-tag--blue' },
  ACKNOWLEDGED: { label: 'Acknowledged by the school', className: 'govuk-tag--green' },
  EXCEPTION: { label: 'Exception: see the exceptions list', className: 'govuk-tag--red' },
};

export function EncompassStatusTag({ status }: { status: string }) {
  const tag = ENCOMPASS_STATUS[status] ?? { label: status, className: 'govuk-tag--grey' };
  return <strong className={`govuk-tag ${tag.className}`}>{tag.label}</strong>;
}

export const EXCEPTION_REASONS: Record<string, string> = {
  NO_SCHOOL_FOUND: 'No school found for the child',
  SCHOOL_NOT_CONFIRMED: 'School not confirmed (only a probable or possible match)',
  NO_KEY_ADULT: 'The school has no key adult configured',
  AGENCY_UNAVAILABLE: 'An agency did not answer in time',
  NOT_SENT_IN_TIME: 'Not sent by the send-by time',
  NOT_ACKNOWLEDGED: 'Sent, but not acknowledged in time',
};

export const BAND: Record<string, { label: string; className: string }> = {
  CERTAIN: { label: 'certain', className: 'govuk-tag--green' },
  PROBABLE: { label: 'probable', className: 'govuk-tag--yellow' },
  POSSIBLE: { label: 'possible', className: 'govuk-tag--orange' },
};

const BAND_ORDER = ['CERTAIN', 'PROBABLE', 'POSSIBLE'];

/** The best band of a list of bands (CERTAIN before PROBABLE before POSSIBLE). */
export const bestBand = (bands: readonly string[]): string | undefined => BAND_ORDER.find((band) => bands.includes(band));

/** Who did something: their name and id (an actor is issuer and subject; the id is enough on screen). */
export const who = (actor: { id: string; name?: string | null; agency?: string | null } | null | undefined): string =>
  actor ? `${actor.name ? `${actor.name} (${actor.id})` : actor.id}${actor.agency ? `, ${actor.agency}` : ''}` : '—';

/** A person's name as an agency holds it: the usual name first. */
export function personName(person: { names?: readonly { use?: string | null; family?: string | null; given: readonly string[] }[] | null } | null | undefined): string {
  const names = person?.names ?? [];
  const name = names.find((candidate) => candidate.use === 'official' || candidate.use === 'usual') ?? names[0];
  if (!name) return 'Name withheld';
  return [...name.given, name.family ?? ''].filter(Boolean).join(' ') || 'Name withheld';
}

/** Today's date in England (YYYY-MM-DD), whatever the browser's time zone. */
export const todayInLondon = (): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

/**
 * A GOV.UK character count: a textarea with the limit in its hint and, as the user types, how many
 * characters are left (announced politely to screen readers).
 */
export function CharacterCount({ id, label, hint, value, onChange, error, maxLength, rows = 4 }: { id: string; label: ReactNode; hint?: ReactNode; value: string; onChange(value: string): void; error?: string | undefined; maxLength: number; rows?: number }) {
  const statusId = useId();
  const left = maxLength - value.length;
  const over = left < 0;
  const describedBy = [hint ? `${id}-hint` : '', `${id}-info`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={`govuk-form-group govuk-character-count${error ? ' govuk-form-group--error' : ''}`} data-maxlength={maxLength}>
        <label className="govuk-label govuk-label--s" htmlFor={id}>
          {label}
        </label>
        {hint ? (
          <div id={`${id}-hint`} className="govuk-hint">
            {hint}
          </div>
        ) : null}
        {error ? (
          <p id={`${id}-error`} className="govuk-error-message">
            <span className="govuk-visually-hidden">Error:</span> {error}
          </p>
        ) : null}
        <textarea
          className={`govuk-textarea govuk-js-character-count${error || over ? ' govuk-textarea--error' : ''}`}
          id={id}
          name={id}
          rows={rows}
          value={value}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value)}
        />
      <div id={`${id}-info`} className="govuk-hint govuk-character-count__message govuk-visually-hidden">
        You can enter up to {maxLength} characters
      </div>
      <div className={`govuk-character-count__message ${over ? 'govuk-error-message' : 'govuk-hint'}`} aria-hidden="true">
        {over ? `You have ${-left} ${left === -1 ? 'character' : 'characters'} too many` : `You have ${left} ${left === 1 ? 'character' : 'characters'} remaining`}
      </div>
      <div id={statusId} className="govuk-character-count__sr-status govuk-visually-hidden" aria-live="polite">
        {over ? `You have ${-left} ${left === -1 ? 'character' : 'characters'} too many` : `You have ${left} ${left === 1 ? 'character' : 'characters'} remaining`}
      </div>
    </div>
  );
}

/**
 * A table that may scroll sideways on a narrow screen: the scrolling region is named and takes
 * focus, so it can be scrolled with the keyboard.
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="app-table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
