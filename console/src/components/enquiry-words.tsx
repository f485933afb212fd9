import type { ReactNode } from 'react';

/** Words and tags the enquiry screens share: agency names, match bands, agency statuses. */

const AGENCY_NAMES: Record<string, string> = {
  health: 'Health',
  police: 'Police',
  education: 'Education',
  housing: 'Housing',
  'social-care': 'Children’s social care',
};

export const agencyName = (agency: string): string => AGENCY_NAMES[agency] ?? agency;

export const relationWords = (relation: string): string => (relation === 'ADULT' ? 'adult' : relation === 'CHILD' ? 'child' : relation.toLowerCase());

const BAND: Record<string, { tag: string; words: string }> = {
  CERTAIN: { tag: 'govuk-tag--green', words: 'Almost certainly the person' },
  PROBABLE: { tag: 'govuk-tag--blue', words: 'Very likely the person: check the reasons before confirming' },
  POSSIBLE: { tag: 'govuk-tag--yellow', words: 'Might be the person: check with the agency before confirming' },
};

export function BandTag({ band }: { band: string }) {
  return <strong className={`govuk-tag ${BAND[band]?.tag ?? 'govuk-tag--grey'}`}>{band.toLowerCase()}</strong>;
}

export const bandWords = (band: string): string => BAND[band]?.words ?? band;

const STATUS: Record<string, { tag: string; label: string; words: string }> = {
  RECORDS: { tag: 'govuk-tag--green', label: 'Records', words: 'This agency holds information about the person.' },
  NO_RECORD: { tag: 'govuk-tag--grey', label: 'No record', words: 'This agency holds nothing about the person that can be shared, or no record of theirs is linked.' },
  UNAVAILABLE: { tag: 'govuk-tag--red', label: 'Unavailable', words: 'This agency could not answer. Its absence here does not mean it holds nothing: try again later or contact it.' },
  NOT_SUPPORTED: { tag: 'govuk-tag--grey', label: 'Not supported', words: 'This agency’s system does not offer this search, so nothing was asked of it.' },
  NOT_LINKED: { tag: 'govuk-tag--grey', label: 'Not linked', words: 'No record at this agency is linked to the person, so it was not asked.' },
};

/** An agency's answer, unmistakable: a tag and words (and the agency's detail when there is one). */
export function AgencyStatus({ status, detail }: { status: string; detail?: string | null | undefined }): ReactNode {
  const known = STATUS[status] ?? { tag: 'govuk-tag--grey', label: status, words: '' };
  return (
    <>
      <p className="govuk-body govuk-!-margin-bottom-2">
        <strong className={`govuk-tag ${known.tag}`} data-testid="agency-status">
          {known.label}
        </strong>{' '}
        {known.words}
      </p>
      {detail ? <p className="govuk-body-s">{detail}</p> : null}
    </>
  );
}

/** A person's names as one line ("Ava Jane SMITH"), from an agency record's disclosed names. */
export function nameLine(names: readonly { family?: string | null; given: readonly string[] }[] | null | undefined): string {
  const name = names?.[0];
  if (!name) return 'Name withheld';
  return [...name.given, name.family ?? ''].filter(Boolean).join(' ') || 'Name withheld';
}
