import { useState, type FormEvent } from 'react';
import { DisclosedUnder, ErrorSummary, formatDateTime, Loading, SuccessBanner, useMutation, usePageTitle, useQuery } from '../../components/common';
import { agencyName, describedBy, Field, fieldError, FormErrorSummary, MissingEnquiry, subjectLabel, useWorkEnquiry, useWorkParams, WithheldMarkerText, WorkHeading, type WorkEnquiry } from '../../components/work-common';
import { graphql } from '../../gql';
import type { ConsoleContactLogQuery, ContactChannel } from '../../gql/graphql';

const ContactLogQuery = graphql(`
  query ConsoleContactLog($enquiryId: ID!) {
    contactLog(enquiryId: $enquiryId) {
      policyVersion
      auditEventId
      subjects {
        subject {
          id
        }
        entries {
          id
          reference
          channel
          agency
          category
          decision
          title
          start
          narrative
          service
          contact {
            name
            role
            organisation
            phone
            email
          }
          withheldFields
          recordedAt
          recordedByName
          corrects
          correctedBy
        }
        withheld {
          agency
          label
          reason
          awaiting
          count
          contact {
            name
            role
            organisation
            phone
            email
          }
        }
      }
    }
  }
`);

const ContactAgenciesQuery = graphql(`
  query ConsoleContactAgencies {
    agencies {
      agency
      name
      categories {
        id
        tier
        description
      }
    }
  }
`);

const LogContactMutation = graphql(`
  mutation ConsoleLogContact($enquiryId: ID!, $input: LogContactInput!) {
    logContact(enquiryId: $enquiryId, input: $input) {
      id
      reference
    }
  }
`);

type LogEntry = ConsoleContactLogQuery['contactLog']['subjects'][number]['entries'][number];

const CHANNELS: { value: ContactChannel; label: string }[] = [
  { value: 'PHONE', label: 'Phone call' },
  { value: 'EMAIL', label: 'Email' },
  { value: 'MEETING', label: 'Meeting' },
  { value: 'LETTER', label: 'Letter or form' },
  { value: 'OTHER', label: 'Another way' },
];
const CHANNEL_WORDS = Object.fromEntries(CHANNELS.map((channel) => [channel.value, channel.label])) as Record<string, string>;

/** Now, as a datetime-local value in the browser's time zone (to the minute). */
function localNow(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

/**
 * The enquiry's contact log (calls, emails and meetings outside the agencies' systems) as the
 * gate lets the caller see it, and the form to log one. The log is append-only: a correction is
 * a new entry naming the one it corrects.
 */
export function ContactLogScreen() {
  usePageTitle('Contact log');
  const params = useWorkParams(false);
  const enquiry = useWorkEnquiry(params?.enquiryId);
  const log = useQuery(ContactLogQuery, { enquiryId: params?.enquiryId ?? '' }, { skip: params === undefined });
  const [logged, setLogged] = useState<string | undefined>(undefined);
  if (params === undefined) return <MissingEnquiry title="Contact log" perSubject={false} />;
  const answer = log.data?.contactLog;
  const subjects = enquiry.data?.enquiry.subjects ?? [];
  const entries = answer?.subjects.flatMap((subject) => subject.entries.map((entry) => ({ ...entry, subjectId: subject.subject.id }))) ?? [];
  const markers = answer?.subjects.flatMap((subject) => subject.withheld.map((marker) => ({ marker, subjectId: subject.subject.id }))) ?? [];
  return (
    <>
      <WorkHeading title="Contact log" enquiry={enquiry.data?.enquiry} error={enquiry.error} />
      {logged ? (
        <SuccessBanner heading={<>The contact is logged as {logged}.</>} />
      ) : null}
      {enquiry.data && answer ? <DisclosedUnder purpose={enquiry.data.enquiry.purpose} legalBasis={enquiry.data.enquiry.legalBasis} policyVersion={answer.policyVersion} /> : null}
      {log.error ? <ErrorSummary error={log.error} /> : null}
      {log.loading && answer === undefined ? <Loading what="the contact log" /> : null}
      {answer ? (
        entries.length === 0 ? (
          <p className="govuk-body" data-testid="contact-log-empty">
            Nothing is logged for this enquiry yet{markers.length > 0 ? ' that you may read' : ''}.
          </p>
        ) : (
          <div className="app-table-wrap">
            <table className="govuk-table" data-testid="contact-log-table">
              <caption className="govuk-table__caption govuk-table__caption--m">Contacts logged, in the order they happened</caption>
              <thead className="govuk-table__head">
                <tr className="govuk-table__row">
                  <th scope="col" className="govuk-table__header">When</th>
                  <th scope="col" className="govuk-table__header">Person</th>
                  <th scope="col" className="govuk-table__header">Who and how</th>
                  <th scope="col" className="govuk-table__header">What was said</th>
                  <th scope="col" className="govuk-table__header">Logged</th>
                </tr>
              </thead>
              <tbody className="govuk-table__body">
                {entries.map((entry) => (
                  <ContactRow key={entry.id} entry={entry} subject={subjectLabel(subjects, entry.subjectId)} />
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      {markers.length > 0 ? (
        <>
          <h2 className="govuk-heading-m">Entries you may not read</h2>
          <ul className="govuk-list">
            {markers.map(({ marker, subjectId }, index) => (
              <li key={`${subjectId}-${marker.agency}-${index}`}>
                {subjectLabel(subjects, subjectId)}: <WithheldMarkerText marker={marker} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {enquiry.data ? (
        <LogContactForm
          enquiry={enquiry.data.enquiry}
          entries={entries}
          onLogged={(reference) => {
            setLogged(reference);
            log.reload();
          }}
        />
      ) : null}
    </>
  );
}

function ContactRow({ entry, subject }: { entry: LogEntry & { subjectId: string }; subject: string }) {
  const contact = entry.contact;
  const who = [contact?.name, contact?.role, entry.service ?? contact?.organisation].filter(Boolean).join(', ');
  return (
    <tr className="govuk-table__row" data-testid="contact-entry">
      <td className="govuk-table__cell app-nowrap">{formatDateTime(entry.start)}</td>
      <td className="govuk-table__cell">{subject}</td>
      <td className="govuk-table__cell">
        {entry.channel ? CHANNEL_WORDS[entry.channel] : 'Not shared'} ({agencyName(entry.agency)})
        {who ? <span className="govuk-body-s app-block">{who}</span> : null}
        {contact?.phone || contact?.email ? <span className="govuk-body-s app-block">{[contact.phone, contact.email].filter(Boolean).join(', ')}</span> : null}
      </td>
      <td className="govuk-table__cell">
        {entry.narrative !== null && entry.narrative !== undefined ? (
          <span className="app-pre-wrap">{entry.narrative}</span>
        ) : (
          <>
            <strong className="govuk-tag govuk-tag--yellow">Summary only</strong> What was said is not shared for this purpose.
          </>
        )}
        <span className="govuk-body-s app-block">
          {entry.category} · <code>{entry.reference}</code>
        </span>
        {entry.corrects ? <span className="govuk-body-s app-block">Corrects contact:{entry.corrects}</span> : null}
        {entry.correctedBy.length > 0 ? (
          <span className="govuk-body-s app-block">
            <strong className="govuk-tag govuk-tag--orange">Corrected</strong> by {entry.correctedBy.map((id) => `contact:${id}`).join(', ')}
          </span>
        ) : null}
      </td>
      <td className="govuk-table__cell govuk-body-s">
        {formatDateTime(entry.recordedAt)}
        {entry.recordedByName ? ` by ${entry.recordedByName}` : ''}
      </td>
    </tr>
  );
}

const FIELD_IDS: Record<string, string> = {
  subjectId: 'contact-subject',
  contactName: 'contact-name',
  contactRole: 'contact-role',
  agency: 'contact-agency',
  organisation: 'contact-organisation',
  contactPhone: 'contact-phone',
  contactEmail: 'contact-email',
  channel: 'contact-channel',
  occurredAt: 'contact-when',
  account: 'contact-account',
  category: 'contact-category',
  corrects: 'contact-corrects',
};

function LogContactForm({ enquiry, entries, onLogged }: { enquiry: WorkEnquiry; entries: (LogEntry & { subjectId: string })[]; onLogged(reference: string): void }) {
  const agencies = useQuery(ContactAgenciesQuery, {});
  const logContact = useMutation(LogContactMutation);
  const blank = () => ({
    subjectId: enquiry.subjects.length === 1 ? enquiry.subjects[0]!.id : '',
    contactName: '',
    contactRole: '',
    agency: '',
    organisation: '',
    contactPhone: '',
    contactEmail: '',
    channel: '' as ContactChannel | '',
    occurredAt: localNow(),
    account: '',
    category: '',
    corrects: '',
  });
  const [form, setForm] = useState(blank);
  const set = (field: keyof ReturnType<typeof blank>) => (event: { target: { value: string } }) => setForm((current) => ({ ...current, [field]: event.target.value }));
  const list = agencies.data?.agencies ?? [];
  const categories = list
    .filter((agency) => form.agency === 'other' || agency.agency === form.agency)
    .flatMap((agency) => agency.categories)
    .filter((category) => !category.id.endsWith('.identity') && category.tier !== 'T4');
  const correctable = entries.filter((entry) => entry.subjectId === form.subjectId);
  const error = logContact.error;
  const errorFor = (field: string) => fieldError(error, field);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const occurred = new Date(form.occurredAt);
    const receipt = await logContact.run({
      enquiryId: enquiry.id,
      input: {
        subjectId: form.subjectId,
        contactName: form.contactName,
        contactRole: form.contactRole,
        agency: form.agency,
        ...(form.organisation.trim() ? { organisation: form.organisation } : {}),
        ...(form.contactPhone.trim() ? { contactPhone: form.contactPhone } : {}),
        ...(form.contactEmail.trim() ? { contactEmail: form.contactEmail } : {}),
        channel: form.channel as ContactChannel,
        occurredAt: Number.isNaN(occurred.getTime()) ? form.occurredAt : occurred.toISOString(),
        account: form.account,
        category: form.category,
        ...(form.corrects ? { corrects: form.corrects } : {}),
      },
    });
    if (receipt) {
      setForm(blank());
      onLogged(receipt.logContact.reference);
    }
  }

  const text = (field: keyof typeof FIELD_IDS & keyof ReturnType<typeof blank>, label: string, options: { hint?: string; type?: string; autoComplete?: string } = {}) => {
    const id = FIELD_IDS[field]!;
    const message = errorFor(field);
    return (
      <Field id={id} label={label} hint={options.hint} error={message}>
        <input
          className={`govuk-input govuk-!-width-two-thirds${message ? ' govuk-input--error' : ''}`}
          id={id}
          name={field}
          type={options.type ?? 'text'}
          value={form[field]}
          onChange={set(field)}
          autoComplete={options.autoComplete ?? 'off'}
          spellCheck={false}
          aria-describedby={describedBy(id, options.hint !== undefined, message)}
        />
      </Field>
    );
  };

  return (
    <form onSubmit={submit} noValidate className="app-no-print" aria-labelledby="log-contact-heading">
      <h2 className="govuk-heading-l" id="log-contact-heading">
        Log a contact
      </h2>
      <p className="govuk-body">Record information received outside the agencies’ systems. Entries cannot be changed: to correct one, log a new entry that names it.</p>
      {error ? <FormErrorSummary error={error} fieldIds={FIELD_IDS} /> : null}
      {agencies.error ? <ErrorSummary error={agencies.error} /> : null}
      <Field id="contact-subject" label="Who the information is about" error={errorFor('subjectId')}>
        <select className="govuk-select" id="contact-subject" value={form.subjectId} onChange={set('subjectId')} aria-describedby={describedBy('contact-subject', false, errorFor('subjectId'))}>
          <option value="">Choose a person</option>
          {enquiry.subjects.map((subject) => (
            <option key={subject.id} value={subject.id}>
              {subjectLabel(enquiry.subjects, subject.id)}
            </option>
          ))}
        </select>
      </Field>
      {text('contactName', 'Who gave the information', { hint: 'Their name' })}
      {text('contactRole', 'Their role', { hint: 'For example, GP or designated safeguarding lead' })}
      <Field id="contact-agency" label="Their agency" error={errorFor('agency')}>
        <select
          className="govuk-select"
          id="contact-agency"
          value={form.agency}
          onChange={(event) => setForm((current) => ({ ...current, agency: event.target.value, category: '' }))}
          aria-describedby={describedBy('contact-agency', false, errorFor('agency'))}
        >
          <option value="">Choose an agency</option>
          {list.map((agency) => (
            <option key={agency.agency} value={agency.agency}>
              {agency.name}
            </option>
          ))}
          <option value="other">Another organisation</option>
        </select>
      </Field>
      {text('organisation', 'Organisation (optional for a connected agency)', { hint: 'For example, Riverside Surgery' })}
      {text('contactPhone', 'Phone number (optional)', { type: 'tel' })}
      {text('contactEmail', 'Email address (optional)', { type: 'email' })}
      <div className={`govuk-form-group${errorFor('channel') ? ' govuk-form-group--error' : ''}`}>
        <fieldset className="govuk-fieldset" aria-describedby={errorFor('channel') ? 'contact-channel-error' : undefined}>
          <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">How the information was received</legend>
          {errorFor('channel') ? (
            <p className="govuk-error-message" id="contact-channel-error">
              <span className="govuk-visually-hidden">Error:</span> {errorFor('channel')}
            </p>
          ) : null}
          <div className="govuk-radios govuk-radios--small" data-module="govuk-radios">
            {CHANNELS.map((channel, index) => {
              const id = index === 0 ? 'contact-channel' : `contact-channel-${index + 1}`;
              return (
                <div className="govuk-radios__item" key={channel.value}>
                  <input className="govuk-radios__input" id={id} name="channel" type="radio" value={channel.value} checked={form.channel === channel.value} onChange={set('channel')} />
                  <label className="govuk-label govuk-radios__label" htmlFor={id}>
                    {channel.label}
                  </label>
                </div>
              );
            })}
          </div>
        </fieldset>
      </div>
      {text('occurredAt', 'When the contact took place', { type: 'datetime-local', hint: 'Not in the future' })}
      <Field id="contact-account" label="What was said" hint="Write it as it was said; it is shared only as far as its category allows." error={errorFor('account')}>
        <textarea
          className={`govuk-textarea${errorFor('account') ? ' govuk-textarea--error' : ''}`}
          id="contact-account"
          rows={5}
          value={form.account}
          onChange={set('account')}
          aria-describedby={describedBy('contact-account', true, errorFor('account'))}
        />
      </Field>
      <Field id="contact-category" label="Category of the information" hint="It is shared with others exactly as an agency record of this category would be." error={errorFor('category')}>
        <select className="govuk-select" id="contact-category" value={form.category} onChange={set('category')} aria-describedby={describedBy('contact-category', true, errorFor('category'))}>
          <option value="">{form.agency ? 'Choose a category' : 'Choose the agency first'}</option>
          {categories.map((category) => (
            <option key={category.id} value={category.id}>
              {category.id}: {category.description}
            </option>
          ))}
        </select>
      </Field>
      <Field id="contact-corrects" label="Does it correct an earlier entry?" hint="The earlier entry stays in the log, marked as corrected." error={errorFor('corrects')}>
        <select className="govuk-select" id="contact-corrects" value={form.corrects} onChange={set('corrects')} aria-describedby={describedBy('contact-corrects', true, errorFor('corrects'))}>
          <option value="">No, it is new information</option>
          {correctable.map((entry) => (
            <option key={entry.id} value={entry.id}>
              It corrects {entry.reference} ({formatDateTime(entry.start)})
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" className="govuk-button" data-module="govuk-button" disabled={logContact.running}>
        Log the contact
      </button>
    </form>
  );
}
