import { useState, type FormEvent } from 'react';
import { ErrorSummary, formatDate, formatDateTime, Loading, SuccessBanner, SummaryList, useMutation, usePageTitle, useQuery } from '../../components/common';
import { describedBy, Field, fieldError, FormErrorSummary, MissingEnquiry, useWorkEnquiry, useWorkParams, WorkHeading } from '../../components/work-common';
import { graphql } from '../../gql';
import type { ConsoleMashDecisionsQuery, DecisionOutcome } from '../../gql/graphql';

const DecisionsQuery = graphql(`
  query ConsoleMashDecisions($enquiryId: ID!) {
    thresholdLevels {
      id
      label
      outcomes
    }
    mashDecisions(enquiryId: $enquiryId) {
      id
      sequence
      level
      levelLabel
      outcome
      rationale
      nextSteps {
        action
        due
        owner {
          name
          teamName
          agencyName
        }
      }
      recordedAt
      recordedBy
      recordedByName
      status
      decidedAt
      decidedByName
      decidedBy
      signOffComment
      returnReason
      supersededBy
      current
    }
  }
`);

const RecordDecisionMutation = graphql(`
  mutation ConsoleRecordDecision($enquiryId: ID!, $input: RecordDecisionInput!) {
    recordDecision(enquiryId: $enquiryId, input: $input) {
      id
      sequence
    }
  }
`);

type Decision = ConsoleMashDecisionsQuery['mashDecisions'][number];

export const OUTCOME_WORDS: Record<DecisionOutcome, string> = {
  NFA: 'No further action',
  SIGNPOST: 'Signpost to universal or community services',
  EARLY_HELP: 'Early help',
  S17_ASSESSMENT: 'Child in need assessment (s17)',
  STRATEGY_DISCUSSION: 'Strategy discussion (s47)',
  POLICE_ACTION: 'Police action',
};

const STATUS: Record<string, { words: string; tag: string }> = {
  AWAITING_SIGN_OFF: { words: 'Awaiting sign-off', tag: 'govuk-tag--blue' },
  SIGNED_OFF: { words: 'Signed off', tag: 'govuk-tag--green' },
  RETURNED: { words: 'Returned', tag: 'govuk-tag--red' },
};

function DecisionStatusTag({ status }: { status: string }) {
  return <strong className={`govuk-tag ${STATUS[status]?.tag ?? 'govuk-tag--grey'}`}>{STATUS[status]?.words ?? status}</strong>;
}

const ownerWords = (owner: Decision['nextSteps'][number]['owner']) => [owner.name, owner.teamName, owner.agencyName].filter(Boolean).join(', ');

/**
 * The MASH decision: the current decision and its sign-off state, the decisions before it, and the
 * form to record one (a threshold level, an outcome consistent with it, the rationale and the next
 * steps). Signing off and returning belong to the manager's screens.
 */
export function DecisionScreen() {
  usePageTitle('MASH decision');
  const params = useWorkParams(false);
  const enquiry = useWorkEnquiry(params?.enquiryId);
  const decisions = useQuery(DecisionsQuery, { enquiryId: params?.enquiryId ?? '' }, { skip: params === undefined });
  const [recorded, setRecorded] = useState<number | undefined>(undefined);
  if (params === undefined) return <MissingEnquiry title="MASH decision" perSubject={false} />;
  const list = decisions.data?.mashDecisions ?? [];
  const current = list.find((decision) => decision.current);
  const history = list.filter((decision) => !decision.current).reverse();
  const open = enquiry.data?.enquiry.status === 'OPEN';
  return (
    <>
      <WorkHeading title="MASH decision" enquiry={enquiry.data?.enquiry} error={enquiry.error} />
      {recorded !== undefined ? (
        <SuccessBanner heading={<>Decision {recorded} is recorded. It now waits for a MASH manager’s sign-off.</>} />
      ) : null}
      {decisions.error ? <ErrorSummary error={decisions.error} /> : null}
      {decisions.loading && decisions.data === undefined ? <Loading what="the decisions" /> : null}
      {decisions.data ? (
        <>
          <h2 className="govuk-heading-m">Current decision</h2>
          {current ? <DecisionCard decision={current} testId="current-decision" /> : <p className="govuk-body">No decision is recorded yet.</p>}
          {history.length > 0 ? (
            <details className="govuk-details">
              <summary className="govuk-details__summary">
                <span className="govuk-details__summary-text">Earlier decisions ({history.length})</span>
              </summary>
              <div className="govuk-details__text">
                {history.map((decision) => (
                  <DecisionCard key={decision.id} decision={decision} />
                ))}
              </div>
            </details>
          ) : null}
          {open && enquiry.data ? (
            <DecisionForm
              enquiryId={params.enquiryId}
              levels={decisions.data.thresholdLevels}
              replacing={current}
              onRecorded={(sequence) => {
                setRecorded(sequence);
                decisions.reload();
              }}
            />
          ) : enquiry.data ? (
            <p className="govuk-body">The enquiry is closed: no decision can be recorded.</p>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function DecisionCard({ decision, testId }: { decision: Decision; testId?: string }) {
  return (
    <div className="govuk-summary-card" data-testid={testId}>
      <div className="govuk-summary-card__title-wrapper">
        <h3 className="govuk-summary-card__title">
          Decision {decision.sequence}: {OUTCOME_WORDS[decision.outcome]} <DecisionStatusTag status={decision.status} />
        </h3>
      </div>
      <div className="govuk-summary-card__content">
        <SummaryList
          rows={[
            { key: 'Threshold level', value: decision.levelLabel },
            { key: 'Outcome', value: OUTCOME_WORDS[decision.outcome] },
            { key: 'Rationale', value: <span className="app-pre-wrap">{decision.rationale}</span> },
            {
              key: 'Next steps',
              value:
                decision.nextSteps.length === 0 ? (
                  'None'
                ) : (
                  <ul className="govuk-list govuk-list--bullet">
                    {decision.nextSteps.map((step, index) => (
                      <li key={index}>
                        {step.action}: {ownerWords(step.owner)}, by {formatDate(step.due)}
                      </li>
                    ))}
                  </ul>
                ),
            },
            { key: 'Recorded', value: `${formatDateTime(decision.recordedAt)} by ${decision.recordedByName ?? decision.recordedBy}` },
            {
              key: 'Sign-off',
              value: (
                <>
                  <DecisionStatusTag status={decision.status} />{' '}
                  {decision.status === 'AWAITING_SIGN_OFF'
                    ? 'A MASH manager who did not record it signs it off or returns it.'
                    : `${formatDateTime(decision.decidedAt)} by ${decision.decidedByName ?? decision.decidedBy ?? 'a manager'}.`}
                  {decision.signOffComment ? <span className="app-block">Comment: {decision.signOffComment}</span> : null}
                  {decision.returnReason ? <span className="app-block">Returned because: {decision.returnReason}</span> : null}
                </>
              ),
            },
            ...(decision.supersededBy ? [{ key: 'Superseded', value: 'A later decision replaced this one.' }] : []),
          ]}
        />
      </div>
    </div>
  );
}

interface StepForm {
  key: string;
  action: string;
  name: string;
  teamName: string;
  agencyName: string;
  due: string;
}

const newStep = (): StepForm => ({ key: crypto.randomUUID(), action: '', name: '', teamName: '', agencyName: '', due: '' });

const FIELD_IDS = { level: 'decision-level', outcome: 'decision-outcome', rationale: 'decision-rationale', nextSteps: 'decision-step-0-action' };

function DecisionForm({ enquiryId, levels, replacing, onRecorded }: { enquiryId: string; levels: ConsoleMashDecisionsQuery['thresholdLevels']; replacing: Decision | undefined; onRecorded(sequence: number): void }) {
  const record = useMutation(RecordDecisionMutation);
  const [level, setLevel] = useState('');
  const [outcome, setOutcome] = useState<DecisionOutcome | ''>('');
  const [rationale, setRationale] = useState('');
  const [steps, setSteps] = useState<StepForm[]>([newStep()]);
  const chosen = levels.find((candidate) => candidate.id === level);
  const error = record.error;
  const stepError = (index: number, part: string) => fieldError(error, `nextSteps[${index}].${part}`);
  const fieldIds: Record<string, string> = { ...FIELD_IDS };
  steps.forEach((_, index) => {
    fieldIds[`nextSteps[${index}].action`] = `decision-step-${index}-action`;
    fieldIds[`nextSteps[${index}].owner`] = `decision-step-${index}-name`;
    fieldIds[`nextSteps[${index}].due`] = `decision-step-${index}-due`;
  });
  const setStep = (key: string, part: keyof StepForm, value: string) => setSteps((current) => current.map((step) => (step.key === key ? { ...step, [part]: value } : step)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const given = steps.filter((step) => [step.action, step.name, step.teamName, step.agencyName, step.due].some((value) => value.trim() !== ''));
    const answer = await record.run({
      enquiryId,
      input: {
        level,
        outcome: outcome as DecisionOutcome,
        rationale,
        nextSteps: given.map((step) => ({
          action: step.action,
          owner: { ...(step.name.trim() ? { name: step.name } : {}), ...(step.teamName.trim() ? { teamName: step.teamName } : {}), ...(step.agencyName.trim() ? { agencyName: step.agencyName } : {}) },
          due: step.due,
        })),
      },
    });
    if (answer) {
      setLevel('');
      setOutcome('');
      setRationale('');
      setSteps([newStep()]);
      onRecorded(answer.recordDecision.sequence);
    }
  }

  const levelError = fieldError(error, 'level');
  const outcomeError = fieldError(error, 'outcome');
  const rationaleError = fieldError(error, 'rationale');
  const stepsError = error?.code === 'BAD_INPUT' && error.details.field === 'nextSteps' ? error.message : undefined;

  return (
    <form onSubmit={submit} noValidate aria-labelledby="record-decision-heading">
      <h2 className="govuk-heading-l" id="record-decision-heading">
        {replacing ? 'Record a new decision' : 'Record the decision'}
      </h2>
      {replacing ? <p className="govuk-body">A new decision replaces decision {replacing.sequence}, which is kept as history, and waits for sign-off again.</p> : null}
      {error ? <FormErrorSummary error={error} fieldIds={fieldIds} /> : null}
      <div className={`govuk-form-group${levelError ? ' govuk-form-group--error' : ''}`}>
        <fieldset className="govuk-fieldset" aria-describedby={levelError ? 'decision-level-error' : undefined}>
          <legend className="govuk-fieldset__legend govuk-fieldset__legend--m">Threshold level</legend>
          {levelError ? (
            <p className="govuk-error-message" id="decision-level-error">
              <span className="govuk-visually-hidden">Error:</span> {levelError}
            </p>
          ) : null}
          <div className="govuk-radios" data-module="govuk-radios">
            {levels.map((candidate, index) => {
              const id = index === 0 ? 'decision-level' : `decision-level-${index + 1}`;
              return (
                <div className="govuk-radios__item" key={candidate.id}>
                  <input
                    className="govuk-radios__input"
                    id={id}
                    name="level"
                    type="radio"
                    value={candidate.id}
                    checked={level === candidate.id}
                    onChange={() => {
                      setLevel(candidate.id);
                      if (outcome && !candidate.outcomes.includes(outcome)) setOutcome('');
                    }}
                  />
                  <label className="govuk-label govuk-radios__label" htmlFor={id}>
                    {candidate.label}
                  </label>
                </div>
              );
            })}
          </div>
        </fieldset>
      </div>
      <div className={`govuk-form-group${outcomeError ? ' govuk-form-group--error' : ''}`}>
        <fieldset className="govuk-fieldset" aria-describedby={['decision-outcome-hint', outcomeError ? 'decision-outcome-error' : ''].filter(Boolean).join(' ')}>
          <legend className="govuk-fieldset__legend govuk-fieldset__legend--m">Outcome</legend>
          <div className="govuk-hint" id="decision-outcome-hint">
            {chosen ? `The outcomes consistent with ${chosen.label}.` : 'Choose the threshold level first: the outcomes consistent with it are listed.'}
          </div>
          {outcomeError ? (
            <p className="govuk-error-message" id="decision-outcome-error">
              <span className="govuk-visually-hidden">Error:</span> {outcomeError}
            </p>
          ) : null}
          {chosen ? (
            <div className="govuk-radios" data-module="govuk-radios">
              {chosen.outcomes.map((candidate, index) => {
                const id = index === 0 ? 'decision-outcome' : `decision-outcome-${index + 1}`;
                return (
                  <div className="govuk-radios__item" key={candidate}>
                    <input className="govuk-radios__input" id={id} name="outcome" type="radio" value={candidate} checked={outcome === candidate} onChange={() => setOutcome(candidate)} />
                    <label className="govuk-label govuk-radios__label" htmlFor={id}>
                      {OUTCOME_WORDS[candidate]}
                    </label>
                  </div>
                );
              })}
            </div>
          ) : null}
        </fieldset>
      </div>
      <Field id="decision-rationale" label="Rationale" hint="Why: the analysis behind the decision (at most 4,000 characters)." error={rationaleError} labelClass="govuk-label--m">
        <textarea
          className={`govuk-textarea${rationaleError ? ' govuk-textarea--error' : ''}`}
          id="decision-rationale"
          rows={6}
          value={rationale}
          onChange={(event) => setRationale(event.target.value)}
          aria-describedby={describedBy('decision-rationale', true, rationaleError)}
        />
      </Field>
      <h3 className="govuk-heading-m">Next steps</h3>
      <p className="govuk-hint">What happens, who does it and by when. At least one unless the outcome is no further action.</p>
      {stepsError ? (
        <p className="govuk-error-message">
          <span className="govuk-visually-hidden">Error:</span> {stepsError}
        </p>
      ) : null}
      {steps.map((step, index) => (
        <fieldset className="govuk-fieldset app-step" key={step.key}>
          <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">Step {index + 1}</legend>
          <Field id={`decision-step-${index}-action`} label="What is to be done" error={stepError(index, 'action')}>
            <input className="govuk-input" id={`decision-step-${index}-action`} value={step.action} onChange={(event) => setStep(step.key, 'action', event.target.value)} aria-describedby={describedBy(`decision-step-${index}-action`, false, stepError(index, 'action'))} />
          </Field>
          <Field id={`decision-step-${index}-name`} label="Who does it: a named practitioner" hint="Give a name, a team or an agency (at least one)." error={stepError(index, 'owner')}>
            <input className="govuk-input govuk-!-width-two-thirds" id={`decision-step-${index}-name`} value={step.name} onChange={(event) => setStep(step.key, 'name', event.target.value)} aria-describedby={describedBy(`decision-step-${index}-name`, true, stepError(index, 'owner'))} />
          </Field>
          <Field id={`decision-step-${index}-team`} label="Team">
            <input className="govuk-input govuk-!-width-two-thirds" id={`decision-step-${index}-team`} value={step.teamName} onChange={(event) => setStep(step.key, 'teamName', event.target.value)} />
          </Field>
          <Field id={`decision-step-${index}-agency`} label="Agency or organisation">
            <input className="govuk-input govuk-!-width-two-thirds" id={`decision-step-${index}-agency`} value={step.agencyName} onChange={(event) => setStep(step.key, 'agencyName', event.target.value)} />
          </Field>
          <Field id={`decision-step-${index}-due`} label="By when" hint="Not in the past, at most a year ahead." error={stepError(index, 'due')}>
            <input className="govuk-input govuk-input--width-10" id={`decision-step-${index}-due`} type="date" value={step.due} onChange={(event) => setStep(step.key, 'due', event.target.value)} aria-describedby={describedBy(`decision-step-${index}-due`, true, stepError(index, 'due'))} />
          </Field>
          {steps.length > 1 ? (
            <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setSteps((current) => current.filter((candidate) => candidate.key !== step.key))}>
              Remove step {index + 1}
            </button>
          ) : null}
        </fieldset>
      ))}
      <div className="govuk-button-group">
        <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setSteps((current) => [...current, newStep()])} disabled={steps.length >= 20}>
          Add another step
        </button>
      </div>
      <button type="submit" className="govuk-button" data-module="govuk-button" disabled={record.running}>
        Record the decision
      </button>
    </form>
  );
}
