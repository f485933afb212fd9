import { useState } from 'react';
import { ApiError } from '../../api';
import { BackLink, ErrorSummary, Loading, usePageTitle, useMutation, useQuery } from '../../components/common';
import { CheckboxesField, errorField, FormErrorSummary, RadiosField, TextareaField, TextField, fieldId } from '../../components/enquiry-form';
import { graphql } from '../../gql';
import type { OpenEnquiryInput, Rag, ReferralSourceKind } from '../../gql/graphql';
import { useNavigation } from '../../navigation';

const ConcernCategoriesQuery = graphql(`
  query ConsoleConcernCategories {
    referralConcernCategories {
      id
      label
    }
  }
`);

const PurposesQuery = graphql(`
  query ConsolePurposes {
    purposes {
      id
      label
      consent
      mayOpen
    }
  }
`);

/** What a purpose's consent need means for the person opening the enquiry. */
const CONSENT_HINTS: Record<string, string> = {
  REQUIRED: 'Needs the family’s consent recorded.',
  OPTIONAL: 'With or without the family’s consent; less is shared without it.',
};

const OpenEnquiryMutation = graphql(`
  mutation ConsoleOpenEnquiry($input: OpenEnquiryInput!) {
    openEnquiry(input: $input) {
      id
    }
  }
`);

const SOURCE_KINDS: { value: ReferralSourceKind | ''; label: string; hint?: string }[] = [
  { value: 'AGENCY', label: 'An agency', hint: 'Police, health, education, housing…' },
  { value: 'PROFESSIONAL', label: 'A professional outside the partner agencies', hint: 'For example a GP practice or a nursery.' },
  { value: 'PUBLIC', label: 'A member of the public', hint: 'A relative or a neighbour.' },
  { value: 'ANONYMOUS', label: 'Anonymous', hint: 'No referrer is recorded.' },
  { value: '', label: 'Not known yet' },
];

/** Which form field shows an error the gateway raised about a part of the input. */
function formField(field: string): string {
  if (field === 'consent') return 'consent.givenBy';
  if (field === 'source') return 'source.kind';
  if (field === 'receivedAt') return 'receivedAt.day';
  return field;
}

/** "2026-12-03" and "09:30" in the browser's time zone, as an ISO date-time; undefined when incomplete. */
function receivedAtOf(day: string, month: string, year: string, time: string): string | undefined | null {
  if (!day.trim() && !month.trim() && !year.trim() && !time.trim()) return undefined;
  const [hours = '0', minutes = '0'] = time.trim() === '' ? [] : time.trim().split(':');
  const date = new Date(Number(year), Number(month) - 1, Number(day), Number(hours), Number(minutes));
  return Number.isNaN(date.getTime()) || !/^\d{4}$/.test(year.trim()) ? null : date.toISOString();
}

/** Opens an enquiry for a referral: the researcher becomes its first member. */
export function NewEnquiryScreen() {
  usePageTitle('Open an enquiry');
  const { navigate } = useNavigation();
  const categories = useQuery(ConcernCategoriesQuery, {});
  const purposes = useQuery(PurposesQuery, {});
  const open = useMutation(OpenEnquiryMutation);
  const [reference, setReference] = useState('');
  const [rag, setRag] = useState<Rag | ''>('');
  const [purpose, setPurpose] = useState('');
  const [justification, setJustification] = useState('');
  const [consent, setConsent] = useState<'yes' | 'no' | ''>('');
  const [givenBy, setGivenBy] = useState('');
  const [scope, setScope] = useState('');
  const [day, setDay] = useState('');
  const [month, setMonth] = useState('');
  const [year, setYear] = useState('');
  const [time, setTime] = useState('');
  const [sourceKind, setSourceKind] = useState<ReferralSourceKind | ''>('');
  const [organisation, setOrganisation] = useState('');
  const [referrerName, setReferrerName] = useState('');
  const [referrerRole, setReferrerRole] = useState('');
  const [concerns, setConcerns] = useState<string[]>([]);
  const [text, setText] = useState('');
  const [localError, setLocalError] = useState<{ field: string; message: string } | undefined>(undefined);

  const named = errorField(open.error);
  const shownField = localError?.field ?? (named === undefined ? undefined : formField(named));
  const message = localError?.message ?? open.error?.message;
  const errorFor = (field: string) => (shownField === field ? message : undefined);

  const submit = async () => {
    setLocalError(undefined);
    open.clearError();
    const receivedAt = receivedAtOf(day, month, year, time);
    if (receivedAt === null) {
      setLocalError({ field: 'receivedAt.day', message: 'Enter when the referral was received as a real date, for example 27 11 2026, and a time such as 09:30; or leave it all empty for now.' });
      return;
    }
    if (rag === '') {
      setLocalError({ field: 'rag', message: 'Choose the referral’s RAG rating: red, amber or green.' });
      return;
    }
    if (purpose === '') {
      setLocalError({ field: 'purpose', message: 'Choose the purpose the enquiry is opened for.' });
      return;
    }
    const input: OpenEnquiryInput = {
      referralReference: reference,
      rag,
      purpose,
      consentRecorded: consent === 'yes',
      ...(consent === 'yes' ? { consent: { givenBy, scope } } : {}),
      ...(purpose === 'emergency' ? { justification } : {}),
      ...(receivedAt ? { receivedAt } : {}),
      ...(sourceKind
        ? {
            source: {
              kind: sourceKind,
              ...(sourceKind !== 'ANONYMOUS' && organisation.trim() ? { organisation } : {}),
              ...(sourceKind !== 'ANONYMOUS' && referrerName.trim() ? { referrerName } : {}),
              ...(sourceKind !== 'ANONYMOUS' && referrerRole.trim() ? { referrerRole } : {}),
            },
          }
        : {}),
      ...(concerns.length > 0 ? { concernCategories: concerns } : {}),
      ...(text.trim() ? { referralText: text } : {}),
    };
    const result = await open.run({ input });
    if (result) navigate('/enquiry', { enquiryId: result.openEnquiry.id, opened: 'yes' });
  };

  const summaryError = localError ? new ApiError(localError.message, 'BAD_INPUT', undefined, { field: localError.field }) : open.error;

  return (
    <>
      <BackLink to="/queue">Back to the triage queue</BackLink>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          {summaryError ? <FormErrorSummary error={summaryError} fieldFor={formField} /> : null}
          <h1 className="govuk-heading-l">Open an enquiry</h1>
          <p className="govuk-body">You become the enquiry’s first member. Agency records are read only inside an open enquiry, for its purpose, and every read is recorded.</p>
          <form
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              void submit();
            }}
          >
            <TextField field="referralReference" label="Referral reference" hint="The referral’s reference in the MASH case system, for example MASH-2026-0147." width={20} value={reference} onChange={setReference} error={errorFor('referralReference')} />
            <RadiosField
              field="rag"
              label="RAG rating"
              hint="Sets the decision deadline from when the referral was received."
              inline
              value={rag}
              onChange={(value) => setRag(value as Rag)}
              error={errorFor('rag')}
              choices={[
                { value: 'RED', label: 'Red' },
                { value: 'AMBER', label: 'Amber' },
                { value: 'GREEN', label: 'Green' },
              ]}
            />
            {purposes.error ? <ErrorSummary error={purposes.error} title="The purposes could not be loaded" /> : null}
            {purposes.data === undefined && !purposes.error ? <Loading what="the purposes" /> : null}
            {purposes.data ? (
              <RadiosField
                field="purpose"
                label="Purpose"
                hint="What the information is needed for. It decides what each agency shares and the law relied on. Only the purposes your role may open an enquiry for are listed."
                value={purpose}
                onChange={setPurpose}
                error={errorFor('purpose')}
                choices={purposes.data.purposes
                  .filter((choice) => choice.mayOpen)
                  .map((choice) => ({
                    value: choice.id,
                    label: choice.label,
                    ...(CONSENT_HINTS[choice.consent] ? { hint: CONSENT_HINTS[choice.consent] } : {}),
                    ...(choice.id === 'emergency'
                      ? { conditional: <TextareaField field="justification" label="Why the information is needed now, out of hours" value={justification} onChange={setJustification} error={errorFor('justification')} rows={3} /> }
                      : {}),
                  }))}
              />
            ) : null}
            <RadiosField
              field="consentRecorded"
              label="Has the family agreed to information being shared?"
              value={consent}
              onChange={(value) => setConsent(value as 'yes' | 'no')}
              error={errorFor('consentRecorded')}
              choices={[
                {
                  value: 'yes',
                  label: 'Yes, consent is recorded',
                  conditional: (
                    <>
                      <TextField field="consent.givenBy" label="Who gave consent" hint="For example: Mother (parental responsibility)." value={givenBy} onChange={setGivenBy} error={errorFor('consent.givenBy')} />
                      <TextField field="consent.scope" label="What the consent covers" hint="For example: sharing with health and education for an early help assessment." value={scope} onChange={setScope} error={errorFor('consent.scope')} />
                    </>
                  ),
                },
                { value: 'no', label: 'No, or not asked' },
              ]}
            />
            <div className={`govuk-form-group${errorFor('receivedAt.day') ? ' govuk-form-group--error' : ''}`}>
              <fieldset className="govuk-fieldset" role="group" aria-describedby={`${fieldId('receivedAt')}-hint${errorFor('receivedAt.day') ? ` ${fieldId('receivedAt')}-error` : ''}`}>
                <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">When the MASH received the referral</legend>
                <div id={`${fieldId('receivedAt')}-hint`} className="govuk-hint">
                  For example, 27 11 2026 and 09:30. Leave empty if it arrived just now.
                </div>
                {errorFor('receivedAt.day') ? (
                  <p id={`${fieldId('receivedAt')}-error`} className="govuk-error-message">
                    <span className="govuk-visually-hidden">Error:</span> {errorFor('receivedAt.day')}
                  </p>
                ) : null}
                <div className="govuk-date-input">
                  {(
                    [
                      ['day', 'Day', day, setDay, 2],
                      ['month', 'Month', month, setMonth, 2],
                      ['year', 'Year', year, setYear, 4],
                      ['time', 'Time', time, setTime, 4],
                    ] as const
                  ).map(([part, label, value, set, width]) => (
                    <div className="govuk-date-input__item" key={part}>
                      <div className="govuk-form-group">
                        <label className="govuk-label govuk-date-input__label" htmlFor={fieldId(`receivedAt.${part}`)}>
                          {label}
                        </label>
                        <input
                          className={`govuk-input govuk-date-input__input govuk-input--width-${width}${errorFor('receivedAt.day') ? ' govuk-input--error' : ''}`}
                          id={fieldId(`receivedAt.${part}`)}
                          name={`receivedAt-${part}`}
                          type="text"
                          inputMode={part === 'time' ? 'text' : 'numeric'}
                          value={value}
                          onChange={(event) => set(event.target.value)}
                        />
                      </div>
                    </div>
                  ))}
                </div>
              </fieldset>
            </div>
            <RadiosField
              field="source.kind"
              label="Who referred"
              value={sourceKind}
              onChange={(value) => setSourceKind(value as ReferralSourceKind | '')}
              error={errorFor('source.kind')}
              choices={SOURCE_KINDS.map((kind) => ({ value: kind.value, label: kind.label, ...(kind.hint ? { hint: kind.hint } : {}) }))}
            />
            {sourceKind !== '' && sourceKind !== 'ANONYMOUS' ? (
              <>
                <TextField field="source.organisation" label="Referring agency or organisation" hint="For example: Northfield Primary School." value={organisation} onChange={setOrganisation} error={errorFor('source.organisation')} />
                <TextField field="source.referrerName" label="Referrer’s name" value={referrerName} onChange={setReferrerName} error={errorFor('source.referrerName')} />
                <TextField field="source.referrerRole" label="Referrer’s role (optional)" hint="For example: Designated safeguarding lead." value={referrerRole} onChange={setReferrerRole} error={errorFor('source.referrerRole')} />
              </>
            ) : null}
            {categories.error ? <ErrorSummary error={categories.error} title="The concern categories could not be loaded" /> : null}
            {categories.data === undefined && !categories.error ? <Loading what="the concern categories" /> : null}
            {categories.data ? (
              <CheckboxesField
                field="concernCategories"
                label="Concerns"
                hint="Select all that apply."
                values={concerns}
                onChange={setConcerns}
                error={errorFor('concernCategories')}
                choices={categories.data.referralConcernCategories.map((category) => ({ value: category.id, label: category.label }))}
              />
            ) : null}
            <TextareaField
              field="referralText"
              label="What the referrer said (optional)"
              hint="Read later only through the enquiry page, and each read is recorded."
              rows={8}
              value={text}
              onChange={setText}
              error={errorFor('referralText')}
            />
            <button type="submit" className="govuk-button" data-module="govuk-button" disabled={open.running}>
              Open the enquiry
            </button>
          </form>
        </div>
      </div>
    </>
  );
}
