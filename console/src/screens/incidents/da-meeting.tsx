import { useState } from 'react';
import { DisclosedUnder, ErrorSummary, formatDate, formatDateTime, Loading, SuccessBanner, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { ConsoleDomesticAbuseTriageQuery, IncidentOutcomeKind, Rag } from '../../gql/graphql';
import { useNavigation } from '../../navigation';
import { fieldErrorFrom, FormErrors, RadiosField, TextField, type FieldError } from '../manager/forms';
import { BAND, bestBand, CharacterCount, EncompassStatusTag, OUTCOME_WORDS, personName, RiskTag, roleWords, TableWrap, todayInLondon, who } from './words';

/** An incident's outcome, as the meeting's list shows it and as recording one answers. */
graphql(`
  fragment ConsoleIncidentOutcome on IncidentOutcome {
    id
    incidentId
    outcome
    reason
    enquiryId
    recordedAt
    recordedBy {
      id
      issuer
      name
      agency
    }
  }
`);

const TriageQuery = graphql(`
  query ConsoleDomesticAbuseTriage($date: String!) {
    domesticAbuseTriage(date: $date) {
      date
      meetingAt
      auditEventIds
      households {
        key
        highestRisk
        indicators
        incidents {
          id
          agency
          reference
          occurredAt
          risk
          childrenPresent
          location
          officer {
            name
            role
            organisation
            phone
            email
          }
          carriedOver
          outcome {
            ...ConsoleIncidentOutcome
          }
        }
        adults {
          roles
          person {
            agency
            personId
            names {
              use
              family
              given
            }
            birthDate
          }
        }
        children {
          roles
          age
          person {
            agency
            personId
            names {
              use
              family
              given
            }
            birthDate
          }
          search {
            auditEventId
            agencies {
              agency
              status
              detail
            }
            people {
              key
              band
              records {
                agency
                band
              }
            }
          }
          encompass {
            incidentId
            status
            schoolName
            dueBy
            sentAt
            acknowledgedAt
          }
        }
      }
    }
  }
`);

const TriagePurposesQuery = graphql(`
  query ConsoleIncidentPurposes {
    purposes {
      id
      label
      legalBasis
      consent
      mayOpen
    }
  }
`);

const RecordOutcomeMutation = graphql(`
  mutation ConsoleRecordIncidentOutcome($incidentId: ID!, $outcome: IncidentOutcomeKind!, $reason: String!) {
    recordIncidentOutcome(incidentId: $incidentId, outcome: $outcome, reason: $reason) {
      ...ConsoleIncidentOutcome
    }
  }
`);

const OpenFromIncidentMutation = graphql(`
  mutation ConsoleOpenEnquiryFromIncident($incidentId: ID!, $input: OpenEnquiryInput!, $reason: String!) {
    openEnquiryFromIncident(incidentId: $incidentId, input: $input, reason: $reason) {
      id
      referralReference
    }
  }
`);

type Triage = ConsoleDomesticAbuseTriageQuery['domesticAbuseTriage'];
type Household = Triage['households'][number];
type Incident = Household['incidents'][number];
type Outcome = NonNullable<Incident['outcome']>;
type Child = Household['children'][number];

/** The longest reason the forms take (the gateway checks its own limit too). */
const REASON_MAX = 2000;

/**
 * The MASH's daily domestic-abuse meeting: the households of the incidents since the last meeting,
 * highest risk first as the gateway orders them, each with its incidents, adults and children
 * (each child searched for across the agencies: the bands of their likely records, never a link),
 * and per incident the meeting's outcome or an enquiry opened from it.
 */
export function DaMeetingScreen() {
  usePageTitle('Daily domestic-abuse meeting');
  const [date, setDate] = useState(todayInLondon);
  const [shown, setShown] = useState(date);
  const [dateError, setDateError] = useState<string | undefined>(undefined);
  const triage = useQuery(TriageQuery, { date: shown });
  const purposes = useQuery(TriagePurposesQuery, {});
  /** Outcomes recorded on this screen since the list was read (no second audited read of the list). */
  const [recorded, setRecorded] = useState<Record<string, Outcome>>({});
  const [done, setDone] = useState<string | undefined>(undefined);
  const answer = triage.data?.domesticAbuseTriage;
  const purpose = purposes.data?.purposes.find((candidate) => candidate.id === 'domestic-abuse-triage');

  return (
    <>
      <h1 className="govuk-heading-l">Daily domestic-abuse meeting</h1>
      <p className="govuk-body">
        The police's domestic-abuse incidents with a child involved since the last meeting, and those carried over without an outcome, grouped into households: highest risk first. Each child is
        searched for in every agency: the bands say how likely their records are; nothing is linked until someone opens an enquiry and confirms it. Reading this list is recorded in the audit log, one
        event per child.
      </p>
      <form
        className="govuk-!-margin-bottom-6"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
            setDateError('Enter the meeting date as a real date, for example 2026-12-03');
            return;
          }
          setDateError(undefined);
          setDone(undefined);
          setRecorded({});
          setShown(date);
        }}
      >
        <div className="app-filters">
          <div className={`govuk-form-group${dateError ? ' govuk-form-group--error' : ''}`}>
            <label className="govuk-label govuk-label--s" htmlFor="meeting-date">
              Meeting date
            </label>
            {dateError ? (
              <p id="meeting-date-error" className="govuk-error-message">
                <span className="govuk-visually-hidden">Error:</span> {dateError}
              </p>
            ) : null}
            <input className={`govuk-input govuk-input--width-10${dateError ? ' govuk-input--error' : ''}`} id="meeting-date" name="meeting-date" type="date" value={date} aria-describedby={dateError ? 'meeting-date-error' : undefined} onChange={(event) => setDate(event.target.value)} />
          </div>
          <div className="govuk-form-group">
            <button type="submit" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">
              Show the list
            </button>
          </div>
        </div>
      </form>
      {done ? <SuccessBanner heading={done} /> : null}
      {triage.error ? <ErrorSummary error={triage.error} /> : null}
      {triage.loading && !answer ? <Loading what="the meeting's list" /> : null}
      {answer ? (
        <>
          <DisclosedUnder purpose={purpose?.label ? `${purpose.label} (domestic-abuse-triage)` : 'domestic-abuse-triage'} legalBasis={purpose?.legalBasis ?? null} />
          <p className="govuk-body" role="status" data-testid="meeting-summary">
            Meeting on {formatDate(answer.date)}, starting {formatDateTime(answer.meetingAt)}:{' '}
            {answer.households.length === 0 ? 'no household to discuss.' : `${answer.households.length} ${answer.households.length === 1 ? 'household' : 'households'}, highest risk first.`}
          </p>
          {answer.households.map((household) => (
            <HouseholdCard
              key={household.key}
              household={household}
              recorded={recorded}
              purposes={purposes.data?.purposes.filter((candidate) => candidate.mayOpen) ?? []}
              onRecorded={(outcome, reference) => {
                setRecorded((previous) => ({ ...previous, [outcome.incidentId]: outcome }));
                setDone(`Outcome for incident ${reference} recorded: ${OUTCOME_WORDS[outcome.outcome] ?? outcome.outcome}.`);
              }}
            />
          ))}
        </>
      ) : null}
    </>
  );
}

type Purpose = { id: string; label: string; consent: string; mayOpen: boolean };

function HouseholdCard({ household, recorded, purposes, onRecorded }: { household: Household; recorded: Record<string, Outcome>; purposes: Purpose[]; onRecorded(outcome: Outcome, reference: string): void }) {
  return (
    <section className="govuk-summary-card" data-testid="triage-household" aria-labelledby={`household-${household.key}`}>
      <div className="govuk-summary-card__title-wrapper">
        <h2 className="govuk-summary-card__title" id={`household-${household.key}`}>
          Household {household.key}
        </h2>
        <ul className="govuk-summary-card__actions">
          <li className="govuk-summary-card__action">
            <RiskTag risk={household.highestRisk} />
          </li>
        </ul>
      </div>
      <div className="govuk-summary-card__content">
        <h3 className="govuk-heading-s">Indicators</h3>
        {household.indicators.length === 0 ? (
          <p className="govuk-body">None.</p>
        ) : (
          <ul className="govuk-list govuk-list--bullet" data-testid="household-indicators">
            {household.indicators.map((indicator) => (
              <li key={indicator}>{indicator}</li>
            ))}
          </ul>
        )}
        <h3 className="govuk-heading-s">Incidents</h3>
        {household.incidents.map((incident) => (
          <IncidentBlock key={incident.id} incident={incident} outcome={recorded[incident.id] ?? incident.outcome ?? null} purposes={purposes} onRecorded={onRecorded} />
        ))}
        <h3 className="govuk-heading-s">Adults</h3>
        {household.adults.length === 0 ? (
          <p className="govuk-body">None recorded.</p>
        ) : (
          <TableWrap label={`Adults of household ${household.key}`}>
            <table className="govuk-table" data-testid="household-adults">
              <caption className="govuk-table__caption govuk-visually-hidden">Adults of household {household.key}</caption>
              <thead className="govuk-table__head">
                <tr className="govuk-table__row">
                  <th scope="col" className="govuk-table__header">Name</th>
                  <th scope="col" className="govuk-table__header">Date of birth</th>
                  <th scope="col" className="govuk-table__header">Roles</th>
                  <th scope="col" className="govuk-table__header">Record</th>
                </tr>
              </thead>
              <tbody className="govuk-table__body">
                {household.adults.map((adult) => (
                  <tr className="govuk-table__row" key={`${adult.person.agency}-${adult.person.personId}`}>
                    <td className="govuk-table__cell">{personName(adult.person)}</td>
                    <td className="govuk-table__cell app-nowrap">{adult.person.birthDate ? formatDate(adult.person.birthDate) : 'Withheld'}</td>
                    <td className="govuk-table__cell">{roleWords(adult.roles)}</td>
                    <td className="govuk-table__cell">
                      {adult.person.agency} {adult.person.personId}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        <h3 className="govuk-heading-s">Children</h3>
        {household.children.map((child) => (
          <ChildBlock key={`${child.person.agency}-${child.person.personId}`} child={child} incidents={household.incidents} />
        ))}
      </div>
    </section>
  );
}

function IncidentBlock({ incident, outcome, purposes, onRecorded }: { incident: Incident; outcome: Outcome | null; purposes: Purpose[]; onRecorded(outcome: Outcome, reference: string): void }) {
  const [form, setForm] = useState<'outcome' | 'enquiry' | undefined>(undefined);
  const officer = incident.officer;
  return (
    <div className="app-enquiry-section" data-testid="triage-incident" data-reference={incident.reference}>
      <h4 className="govuk-heading-s govuk-!-margin-bottom-2">
        Incident {incident.reference} <RiskTag risk={incident.risk} />
        {incident.carriedOver ? <strong className="govuk-tag govuk-tag--yellow govuk-!-margin-left-1">Carried over</strong> : null}
      </h4>
      <dl className="govuk-summary-list govuk-summary-list--no-border govuk-!-margin-bottom-3">
        {(
          [
            ['When', formatDateTime(incident.occurredAt)],
            ['Reference', `${incident.agency} ${incident.reference}`],
            ['Children present', incident.childrenPresent ? 'Yes' : 'No'],
            ['Location', incident.location ?? 'Withheld'],
            ['Officer', officer ? [officer.name, officer.role, officer.organisation, officer.phone, officer.email].filter(Boolean).join(', ') || '—' : '—'],
            ['Carried over', incident.carriedOver ? 'Yes, from an earlier meeting' : 'No'],
            ['Outcome', outcome ? <OutcomeText outcome={outcome} /> : 'Not recorded yet'],
          ] as const
        ).map(([key, value]) => (
          <div className="govuk-summary-list__row" key={key}>
            <dt className="govuk-summary-list__key">{key}</dt>
            <dd className="govuk-summary-list__value" data-testid={key === 'Outcome' ? 'incident-outcome' : undefined}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      {form === 'outcome' ? (
        <OutcomeForm
          incident={incident}
          onCancel={() => setForm(undefined)}
          onDone={(recorded) => {
            setForm(undefined);
            onRecorded(recorded, incident.reference);
          }}
        />
      ) : form === 'enquiry' ? (
        <OpenEnquiryForm incident={incident} purposes={purposes} onCancel={() => setForm(undefined)} />
      ) : outcome?.outcome === 'MASH_ENQUIRY' ? null : (
        <div className="govuk-button-group">
          <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setForm('outcome')}>
            {outcome ? 'Change outcome' : 'Record outcome'}
            <span className="govuk-visually-hidden"> for incident {incident.reference}</span>
          </button>
          <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setForm('enquiry')}>
            Open an enquiry<span className="govuk-visually-hidden"> from incident {incident.reference}</span>
          </button>
        </div>
      )}
    </div>
  );
}

function OutcomeText({ outcome }: { outcome: Outcome }) {
  const { navigate } = useNavigation();
  return (
    <>
      <strong>{OUTCOME_WORDS[outcome.outcome] ?? outcome.outcome}</strong>: <span className="app-pre-wrap">{outcome.reason}</span>
      <span className="govuk-body-s app-block">
        {formatDateTime(outcome.recordedAt)} by {who(outcome.recordedBy)}
      </span>
      {outcome.enquiryId ? (
        <a
          href="/enquiry"
          className="govuk-link"
          onClick={(event) => {
            event.preventDefault();
            navigate('/enquiry', { enquiryId: outcome.enquiryId! });
          }}
        >
          Open the enquiry
        </a>
      ) : null}
    </>
  );
}

function OutcomeForm({ incident, onCancel, onDone }: { incident: Incident; onCancel(): void; onDone(outcome: Outcome): void }) {
  const record = useMutation(RecordOutcomeMutation);
  const [outcome, setOutcome] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const prefix = `outcome-${incident.id}`;
  const serverField = fieldErrorFrom(record.error, { outcome: `${prefix}-kind`, reason: `${prefix}-reason` });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];
  return (
    <form
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        const problems: FieldError[] = [];
        if (!outcome) problems.push({ id: `${prefix}-kind`, message: 'Choose the meeting’s outcome' });
        if (!reason.trim()) problems.push({ id: `${prefix}-reason`, message: 'Enter why: the reason is kept with the outcome' });
        else if (reason.length > REASON_MAX) problems.push({ id: `${prefix}-reason`, message: `The reason must be ${REASON_MAX} characters or fewer` });
        setErrors(problems);
        if (problems.length > 0) return;
        const answer = await record.run({ incidentId: incident.id, outcome: outcome as IncidentOutcomeKind, reason: reason.trim() });
        if (answer) onDone(answer.recordIncidentOutcome);
      }}
    >
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : record.error} />
      <RadiosField
        id={`${prefix}-kind`}
        legend={`Outcome for incident ${incident.reference}`}
        options={[
          { value: 'MARAC_REFERRAL', label: 'MARAC referral', hint: 'Referred to the multi-agency risk assessment conference.' },
          { value: 'ENCOMPASS_ONLY', label: 'Operation Encompass only', hint: 'Telling the child’s school is enough.' },
          { value: 'NO_FURTHER_ACTION', label: 'No further action' },
        ]}
        value={outcome}
        onChange={setOutcome}
        error={fieldErrors.find((e) => e.id === `${prefix}-kind`)}
      />
      <CharacterCount
        id={`${prefix}-reason`}
        label="Reason"
        hint="For example: High risk, repeat victim: MARAC referral made by the IDVA."
        value={reason}
        onChange={setReason}
        maxLength={REASON_MAX}
        error={fieldErrors.find((e) => e.id === `${prefix}-reason`)?.message}
        rows={3}
      />
      <div className="govuk-button-group">
        <button type="submit" className="govuk-button" disabled={record.running}>
          Record the outcome
        </button>
        <button type="button" className="govuk-button govuk-button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const CONSENT_HINTS: Record<string, string> = {
  REQUIRED: 'Needs the family’s consent recorded.',
  OPTIONAL: 'With or without the family’s consent; less is shared without it.',
};

/** Which of this form's fields an error the gateway named belongs to. */
const ENQUIRY_FIELDS = (prefix: string): Record<string, string> => ({
  referralReference: `${prefix}-reference`,
  'input.referralReference': `${prefix}-reference`,
  rag: `${prefix}-rag`,
  'input.rag': `${prefix}-rag`,
  purpose: `${prefix}-purpose`,
  'input.purpose': `${prefix}-purpose`,
  consentRecorded: `${prefix}-consent`,
  consent: `${prefix}-consent-given-by`,
  'consent.givenBy': `${prefix}-consent-given-by`,
  'consent.scope': `${prefix}-consent-scope`,
  justification: `${prefix}-justification`,
  reason: `${prefix}-reason`,
});

/** Opens a MASH enquiry from the incident (the referral is the police's, about domestic abuse), then goes to it. */
function OpenEnquiryForm({ incident, purposes, onCancel }: { incident: Incident; purposes: Purpose[]; onCancel(): void }) {
  const { navigate } = useNavigation();
  const open = useMutation(OpenFromIncidentMutation);
  const prefix = `enquiry-${incident.id}`;
  const [reference, setReference] = useState('');
  const [rag, setRag] = useState('');
  const [purpose, setPurpose] = useState('');
  const [consent, setConsent] = useState('');
  const [givenBy, setGivenBy] = useState('');
  const [scope, setScope] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const serverField = fieldErrorFrom(open.error, ENQUIRY_FIELDS(prefix));
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];
  const errorFor = (id: string) => fieldErrors.find((e) => e.id === id);
  return (
    <form
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        const problems: FieldError[] = [];
        if (!reference.trim()) problems.push({ id: `${prefix}-reference`, message: 'Enter the referral reference in the MASH case system' });
        if (!rag) problems.push({ id: `${prefix}-rag`, message: 'Choose the RAG rating: red, amber or green' });
        if (!purpose) problems.push({ id: `${prefix}-purpose`, message: 'Choose the purpose the enquiry is opened for' });
        if (!consent) problems.push({ id: `${prefix}-consent`, message: 'Say whether the family’s consent is recorded' });
        if (consent === 'yes' && !givenBy.trim()) problems.push({ id: `${prefix}-consent-given-by`, message: 'Enter who gave consent' });
        if (consent === 'yes' && !scope.trim()) problems.push({ id: `${prefix}-consent-scope`, message: 'Enter what the consent covers' });
        if (!reason.trim()) problems.push({ id: `${prefix}-reason`, message: 'Enter why an enquiry is opened' });
        else if (reason.length > REASON_MAX) problems.push({ id: `${prefix}-reason`, message: `The reason must be ${REASON_MAX} characters or fewer` });
        setErrors(problems);
        if (problems.length > 0) return;
        const answer = await open.run({
          incidentId: incident.id,
          reason: reason.trim(),
          input: {
            referralReference: reference.trim(),
            rag: rag as Rag,
            purpose,
            consentRecorded: consent === 'yes',
            ...(consent === 'yes' ? { consent: { givenBy: givenBy.trim(), scope: scope.trim() } } : {}),
          },
        });
        if (answer) navigate('/enquiry', { enquiryId: answer.openEnquiryFromIncident.id, opened: 'yes' });
      }}
    >
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : open.error} />
      <h5 className="govuk-heading-s">Open an enquiry from incident {incident.reference}</h5>
      <p className="govuk-body">You become the enquiry’s first member. The referral is recorded as the police’s, about domestic abuse, received when the incident arrived. No child is linked: search and confirm them in the enquiry.</p>
      <TextField id={`${prefix}-reference`} label="Referral reference" hint="The referral’s reference in the MASH case system, for example MASH-2026-0147." value={reference} onChange={setReference} error={errorFor(`${prefix}-reference`)} width="govuk-input--width-20" />
      <RadiosField
        id={`${prefix}-rag`}
        legend="RAG rating"
        hint="Sets the decision deadline from when the incident arrived."
        options={[
          { value: 'RED', label: 'Red' },
          { value: 'AMBER', label: 'Amber' },
          { value: 'GREEN', label: 'Green' },
        ]}
        value={rag}
        onChange={setRag}
        error={errorFor(`${prefix}-rag`)}
      />
      <RadiosField
        id={`${prefix}-purpose`}
        legend="Purpose"
        hint="What the information is needed for. Only the purposes your role may open an enquiry for are listed."
        options={purposes.filter((candidate) => candidate.id !== 'emergency').map((candidate) => ({ value: candidate.id, label: candidate.label, ...(CONSENT_HINTS[candidate.consent] ? { hint: CONSENT_HINTS[candidate.consent] } : {}) }))}
        value={purpose}
        onChange={setPurpose}
        error={errorFor(`${prefix}-purpose`)}
      />
      <RadiosField
        id={`${prefix}-consent`}
        legend="Has the family agreed to information being shared?"
        options={[
          { value: 'yes', label: 'Yes, consent is recorded' },
          { value: 'no', label: 'No, or not asked' },
        ]}
        value={consent}
        onChange={setConsent}
        error={errorFor(`${prefix}-consent`)}
      />
      {consent === 'yes' ? (
        <div className="govuk-inset-text">
          <TextField id={`${prefix}-consent-given-by`} label="Who gave consent" hint="For example: Mother (parental responsibility)." value={givenBy} onChange={setGivenBy} error={errorFor(`${prefix}-consent-given-by`)} />
          <TextField id={`${prefix}-consent-scope`} label="What the consent covers" value={scope} onChange={setScope} error={errorFor(`${prefix}-consent-scope`)} />
        </div>
      ) : null}
      <CharacterCount id={`${prefix}-reason`} label="Why an enquiry is opened" hint="Kept as the incident’s outcome." value={reason} onChange={setReason} maxLength={REASON_MAX} error={errorFor(`${prefix}-reason`)?.message} rows={3} />
      <div className="govuk-button-group">
        <button type="submit" className="govuk-button" disabled={open.running}>
          Open the enquiry
        </button>
        <button type="button" className="govuk-button govuk-button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Per agency: how likely the child's records there are (the best band), or that it has none or did not answer. */
function agencyBands(child: Child): { agency: string; label: string; className: string }[] {
  return child.search.agencies.map((answer) => {
    if (answer.status === 'UNAVAILABLE') return { agency: answer.agency, label: 'did not answer', className: 'govuk-tag--grey' };
    const bands = child.search.people.flatMap((person) => person.records.filter((record) => record.agency === answer.agency).map((record) => record.band));
    const band = bestBand(bands);
    if (band === undefined) return { agency: answer.agency, label: 'no likely record', className: 'govuk-tag--grey' };
    return { agency: answer.agency, label: `${BAND[band]?.label ?? band} match`, className: BAND[band]?.className ?? 'govuk-tag--grey' };
  });
}

function ChildBlock({ child, incidents }: { child: Child; incidents: readonly Incident[] }) {
  const reference = (incidentId: string) => incidents.find((incident) => incident.id === incidentId)?.reference ?? incidentId;
  return (
    <div className="app-enquiry-section" data-testid="triage-child">
      <h4 className="govuk-heading-s govuk-!-margin-bottom-2">{personName(child.person)}</h4>
      <dl className="govuk-summary-list govuk-summary-list--no-border govuk-!-margin-bottom-3">
        <div className="govuk-summary-list__row">
          <dt className="govuk-summary-list__key">Age</dt>
          <dd className="govuk-summary-list__value">{child.age ?? 'Not known (date of birth withheld)'}</dd>
        </div>
        <div className="govuk-summary-list__row">
          <dt className="govuk-summary-list__key">Roles</dt>
          <dd className="govuk-summary-list__value">{roleWords(child.roles)}</dd>
        </div>
        <div className="govuk-summary-list__row">
          <dt className="govuk-summary-list__key">Likely records</dt>
          <dd className="govuk-summary-list__value" data-testid="child-bands">
            <ul className="govuk-list govuk-!-margin-bottom-0">
              {agencyBands(child).map((band) => (
                <li key={band.agency}>
                  {band.agency}: <strong className={`govuk-tag ${band.className}`}>{band.label}</strong>
                </li>
              ))}
            </ul>
          </dd>
        </div>
        <div className="govuk-summary-list__row">
          <dt className="govuk-summary-list__key">Operation Encompass</dt>
          <dd className="govuk-summary-list__value" data-testid="child-encompass">
            {child.encompass.length === 0 ? (
              'Not planned yet'
            ) : (
              <ul className="govuk-list govuk-!-margin-bottom-0">
                {child.encompass.map((status) => (
                  <li key={status.incidentId}>
                    <EncompassStatusTag status={status.status} /> {reference(status.incidentId)}
                    {status.schoolName ? `, ${status.schoolName}` : ''}
                    {status.acknowledgedAt ? `, acknowledged ${formatDateTime(status.acknowledgedAt)}` : status.sentAt ? `, sent ${formatDateTime(status.sentAt)}` : status.dueBy ? `, due by ${formatDateTime(status.dueBy)}` : ''}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      </dl>
    </div>
  );
}
