import { agencyName } from './enquiry-words';

interface Marker {
  agency: string;
  label: string;
  reason: string;
  awaiting?: string | null;
  count: number;
  contact: { name?: string | null; role?: string | null; organisation?: string | null; phone?: string | null; email?: string | null };
}

/**
 * A withheld marker: information is held that this purpose does not allow to be shared. Says what,
 * why, and whom to contact; when it awaits the owning agency's approval, says so.
 */
export function WithheldMarkerText({ marker }: { marker: Marker }) {
  const who = [marker.contact.name, marker.contact.role, marker.contact.organisation].filter(Boolean).join(', ') || `${agencyName(marker.agency)}`;
  const how = [marker.contact.phone ? `phone ${marker.contact.phone}` : '', marker.contact.email ? `email ${marker.contact.email}` : ''].filter(Boolean).join(' or ');
  return (
    <div className="govuk-warning-text" data-testid="withheld-marker">
      <span className="govuk-warning-text__icon" aria-hidden="true">
        !
      </span>
      <div className="govuk-warning-text__text">
        <span className="govuk-visually-hidden">Warning</span>
        <strong>Withheld: {marker.label}</strong> ({marker.count} {marker.count === 1 ? 'record' : 'records'}).{' '}
        {marker.awaiting === 'ORIGINATOR_APPROVAL' ? (
          <>
            <strong className="govuk-tag govuk-tag--yellow">Awaiting approval</strong> The owning agency is reviewing whether to release it.{' '}
          </>
        ) : null}
        {marker.reason} To ask about it, contact {who}
        {how ? ` (${how})` : ''}.
      </div>
    </div>
  );
}
