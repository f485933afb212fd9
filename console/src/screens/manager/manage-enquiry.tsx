import { useState } from 'react';
import { BackLink, DisclosedUnder, ErrorSummary, formatDate, formatDateTime, Loading, SuccessBanner, SummaryList, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { ManageEnquiryDecisionsQuery } from '../../gql/graphql';
import { ScreenLink, useNavigation } from '../../navigation';
import { useSession } from '../../session';
import { fieldErrorFrom, FormErrors, MissingParams, TextareaField, type FieldError } from './forms';

const EnquiryQuery = graphql(`
  query ManageEnquiry($id: ID!) {
    enquiry(id: $id) {
      id
      referralReference
      purpose
      legalBasis
      consentRecorded
      status
      purposeChanges {
        fromPurpose
        toPurpose
        reason
        changedAt
        changedBy
      }
    }
  }
`);

const DecisionsQuery = graphql(`
  query ManageEnquiryDecisions($enquiryId: ID!) {
    mashDecisions(enquiryId: $enquiryId) {
      id
      sequence
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
      current
    }
  }
`);

const ChangePurposeMutation = graphql(`
  mutation ManageEnquiryChangePurpose($enquiryId: ID!, $purpose: String!, $reason: String!) {
    changeEnquiryPurpose(enquiryId: $enquiryId, purpose: $purpose, reason: $reason) {
      id
      purpose
    }
  }
`);

const JoinMutation = graphql(`
  mutation ManageEnquiryJoin($enquiryId: ID!, $actorId: ID!, $issuer: String!, $reason: String!) {
    addEnquiryMember(enquiryId: $enquiryId, actorId: $actorId, issuer: $issuer, reason: $reason) {
      id
    }
  }
`);

const SignOffMutation = graphql(`
  mutation ManageEnquirySignOff($enquiryId: ID!, $decisionId: ID!, $comment: String) {
    signOffDecision(enquiryId: $enquiryId, decisionId: $decisionId, comment: $comment) {
      id
      status
    }
  }
`);

const ReturnMutation = graphql(`
  mutation ManageEnquiryReturn($enquiryId: ID!, $decisionId: ID!, $reason: String!) {
    returnDecision(enquiryId: $enquiryId, decisionId: $decisionId, reason: $reason) {
      id
      status
    }
  }
`);

const PurposesQuery = graphql(`
  query ManageEnquiryPurposes {
    purposes {
      id
      label
      opensEnquiry
    }
  }
`);

/** The policy's break-glass purpose: an emergency enquiry is opened as break-glass, never reached by a change. */
const BREAK_GLASS_PURPOSE = 'emergency';

export const OUTCOMES: Record<string, string> = {
  NFA: 'No further action',
  SIGNPOST: 'Signpost to universal or community services',
  EARLY_HELP: 'Early help',
  S17_ASSESSMENT: 'Child in need assessment (s17)',
  STRATEGY_DISCUSSION: 'Strategy discussion (s47)',
  POLICE_ACTION: 'Police action',
};

const STATUS_TAGS: Record<string, { label: string; className: string }> = {
  AWAITING_SIGN_OFF: { label: 'Awaiting sign-off', className: 'govuk-tag--yellow' },
  SIGNED_OFF: { label: 'Signed off', className: 'govuk-tag--green' },
  RETURNED: { label: 'Returned', className: 'govuk-tag--red' },
};

export function DecisionStatusTag({ status }: { status: string }) {
  const tag = STATUS_TAGS[status] ?? { label: status, className: 'govuk-tag--grey' };
  return <strong className={`govuk-tag ${tag.className}`}>{tag.label}</strong>;
}

type Decision = ManageEnquiryDecisionsQuery['mashDecisions'][number];

/** One enquiry as its team's manager sees it: purpose (and its changes) and the decision awaiting sign-off. */
export function ManageEnquiryScreen() {
  usePageTitle('Manage enquiry');
  const { route } = useNavigation();
  const enquiryId = route.params.enquiryId;
  return (
    <>
      <BackLink to="/team-queue">Back to the team queue</BackLink>
      <h1 className="govuk-heading-l">
        {route.params.referralReference ? <span className="govuk-caption-l">{route.params.referralReference}</span> : null}
        Manage enquiry
      </h1>
      {enquiryId ? (
        <ManageEnquiry enquiryId={enquiryId} />
      ) : (
        <MissingParams what="enquiry" back={<ScreenLink to="/team-queue">Choose an enquiry from the team queue</ScreenLink>} />
      )}
    </>
  );
}

function ManageEnquiry({ enquiryId }: { enquiryId: string }) {
  const enquiry = useQuery(EnquiryQuery, { id: enquiryId });
  const decisions = useQuery(DecisionsQuery, { enquiryId });
  const [done, setDone] = useState<string | undefined>(undefined);
  const e = enquiry.data?.enquiry;
  return (
    <>
      {done ? (
        <SuccessBanner heading={done} />
      ) : null}
      {e ? <DisclosedUnder purpose={e.purpose} legalBasis={e.legalBasis} /> : null}

      <h2 className="govuk-heading-m">Purpose</h2>
      {enquiry.loading && !e ? <Loading what="the enquiry" /> : null}
      {enquiry.error?.code === 'FORBIDDEN_NOT_MEMBER' ? (
        <JoinForm
          enquiryId={enquiryId}
          onJoined={() => {
            setDone('You joined the enquiry.');
            enquiry.reload();
          }}
        />
      ) : enquiry.error ? (
        <ErrorSummary error={enquiry.error} />
      ) : null}
      {e ? (
        <>
          <SummaryList
            rows={[
              { key: 'Purpose', value: <span data-testid="enquiry-purpose">{e.purpose}</span> },
              { key: 'Legal basis', value: e.legalBasis },
              { key: 'Consent recorded', value: e.consentRecorded ? 'Yes' : 'No' },
              { key: 'Status', value: e.status === 'OPEN' ? 'Open' : e.status.toLowerCase() },
            ]}
          />
          <PurposeHistory changes={e.purposeChanges} />
          {e.status === 'OPEN' ? (
            <PurposeForm
              enquiryId={enquiryId}
              current={e.purpose}
              onChanged={(purpose) => {
                setDone(`The purpose is now ${purpose}.`);
                enquiry.reload();
              }}
            />
          ) : null}
        </>
      ) : null}

      <h2 className="govuk-heading-m govuk-!-margin-top-8">MASH decision</h2>
      {decisions.loading && !decisions.data ? <Loading what="the decisions" /> : null}
      {decisions.error ? <ErrorSummary error={decisions.error} /> : null}
      {decisions.data ? (
        <Decisions
          enquiryId={enquiryId}
          decisions={decisions.data.mashDecisions}
          onDecided={(message) => {
            setDone(message);
            decisions.reload();
          }}
        />
      ) : null}
    </>
  );
}

function PurposeHistory({ changes }: { changes: { fromPurpose: string; toPurpose: string; reason: string; changedAt: string; changedBy: string }[] }) {
  if (changes.length === 0) return <p className="govuk-body">The purpose has not changed since the enquiry was opened.</p>;
  return (
    <div className="app-table-wrap">
      <table className="govuk-table" data-testid="purpose-history">
        <caption className="govuk-table__caption govuk-table__caption--s">Purpose history, oldest first</caption>
        <thead className="govuk-table__head">
          <tr className="govuk-table__row">
            <th scope="col" className="govuk-table__header">From</th>
            <th scope="col" className="govuk-table__header">To</th>
            <th scope="col" className="govuk-table__header">Reason</th>
            <th scope="col" className="govuk-table__header">When</th>
            <th scope="col" className="govuk-table__header">By</th>
          </tr>
        </thead>
        <tbody className="govuk-table__body">
          {changes.map((change) => (
            <tr className="govuk-table__row" key={change.changedAt + change.toPurpose}>
              <td className="govuk-table__cell">{change.fromPurpose}</td>
              <td className="govuk-table__cell">{change.toPurpose}</td>
              <td className="govuk-table__cell app-pre-wrap">{change.reason}</td>
              <td className="govuk-table__cell app-nowrap">{formatDateTime(change.changedAt)}</td>
              <td className="govuk-table__cell">{change.changedBy}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function JoinForm({ enquiryId, onJoined }: { enquiryId: string; onJoined(): void }) {
  const { user } = useSession();
  const join = useMutation(JoinMutation);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const serverField = fieldErrorFrom(join.error, { reason: 'join-reason' });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];
  return (
    <>
      <p className="govuk-body">You are not a member of this enquiry, so its purpose is not shown to you. As a manager of the owning team you may join it to change its purpose; your joining is flagged for information-governance review.</p>
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : join.error} />
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          if (!reason.trim()) {
            setErrors([{ id: 'join-reason', message: 'Enter why you join the enquiry' }]);
            return;
          }
          setErrors([]);
          if (user && (await join.run({ enquiryId, actorId: user.id, issuer: user.issuer, reason: reason.trim() }))) onJoined();
        }}
      >
        <TextareaField id="join-reason" label="Why you join" hint="For example, 'Manager: purpose change to s47 after the strategy discussion'." value={reason} onChange={setReason} error={fieldErrors[0]} rows={2} />
        <button type="submit" className="govuk-button govuk-button--secondary" disabled={join.running}>
          Join the enquiry
        </button>
      </form>
    </>
  );
}

function PurposeForm({ enquiryId, current, onChanged }: { enquiryId: string; current: string; onChanged(purpose: string): void }) {
  const change = useMutation(ChangePurposeMutation);
  const purposes = useQuery(PurposesQuery, {});
  // Neither break-glass nor a purpose that is no enquiry's (the daily domestic-abuse triage) is reached by a change.
  const choices = (purposes.data?.purposes ?? []).filter((p) => p.opensEnquiry && p.id !== BREAK_GLASS_PURPOSE);
  const [purpose, setPurpose] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const serverField = fieldErrorFrom(change.error, { purpose: 'purpose-to', reason: 'purpose-reason' });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];
  const purposeError = fieldErrors.find((e) => e.id === 'purpose-to');
  return (
    <>
      <h3 className="govuk-heading-s">Change the purpose</h3>
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : change.error} />
      {purposes.error ? <ErrorSummary error={purposes.error} /> : null}
      {purposes.loading && !purposes.data ? <Loading what="the policy's purposes" /> : null}
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          const problems: FieldError[] = [];
          if (!purpose) problems.push({ id: 'purpose-to', message: 'Choose the new purpose' });
          else if (purpose === current) problems.push({ id: 'purpose-to', message: `The enquiry already has the purpose ${current}: choose another` });
          if (!reason.trim()) problems.push({ id: 'purpose-reason', message: 'Enter why the purpose changes' });
          setErrors(problems);
          if (problems.length > 0) return;
          const result = await change.run({ enquiryId, purpose, reason: reason.trim() });
          if (result) {
            setPurpose('');
            setReason('');
            onChanged(result.changeEnquiryPurpose.purpose);
          }
        }}
      >
        <div className={`govuk-form-group${purposeError ? ' govuk-form-group--error' : ''}`}>
          <label className="govuk-label govuk-label--s" htmlFor="purpose-to">
            New purpose
          </label>
          <div id="purpose-to-hint" className="govuk-hint">
            What agencies share changes with the purpose, from the next read.
          </div>
          {purposeError ? (
            <p id="purpose-to-error" className="govuk-error-message">
              <span className="govuk-visually-hidden">Error:</span> {purposeError.message}
            </p>
          ) : null}
          <select className={`govuk-select${purposeError ? ' govuk-select--error' : ''}`} id="purpose-to" value={purpose} aria-describedby={`purpose-to-hint${purposeError ? ' purpose-to-error' : ''}`} onChange={(event) => setPurpose(event.target.value)}>
            <option value="">Choose a purpose</option>
            {choices.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label} ({p.id})
              </option>
            ))}
          </select>
        </div>
        <TextareaField id="purpose-reason" label="Reason" hint="For example, 'Strategy discussion held: s47 enquiry started'." value={reason} onChange={setReason} error={fieldErrors.find((e) => e.id === 'purpose-reason')} rows={3} />
        <button type="submit" className="govuk-button" disabled={change.running}>
          Change purpose
        </button>
      </form>
    </>
  );
}

const ownerOf = (owner: { name?: string | null; teamName?: string | null; agencyName?: string | null }) => [owner.name, owner.teamName, owner.agencyName].filter(Boolean).join(', ');

function DecisionSummary({ decision }: { decision: Decision }) {
  return (
    <SummaryList
      rows={[
        { key: 'Status', value: <DecisionStatusTag status={decision.status} /> },
        { key: 'Threshold level', value: decision.levelLabel },
        { key: 'Outcome', value: OUTCOMES[decision.outcome] ?? decision.outcome },
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
                    {step.action} ({ownerOf(step.owner)}, by {formatDate(step.due)})
                  </li>
                ))}
              </ul>
            ),
        },
        { key: 'Recorded', value: `${formatDateTime(decision.recordedAt)} by ${decision.recordedByName ?? decision.recordedBy}` },
        ...(decision.decidedAt ? [{ key: decision.status === 'RETURNED' ? 'Returned' : 'Signed off', value: `${formatDateTime(decision.decidedAt)} by ${decision.decidedByName ?? decision.decidedBy ?? ''}` }] : []),
        ...(decision.signOffComment ? [{ key: 'Sign-off comment', value: decision.signOffComment }] : []),
        ...(decision.returnReason ? [{ key: 'Why it was returned', value: decision.returnReason }] : []),
      ]}
    />
  );
}

function Decisions({ enquiryId, decisions, onDecided }: { enquiryId: string; decisions: Decision[]; onDecided(message: string): void }) {
  const current = decisions.find((d) => d.current);
  const earlier = decisions.filter((d) => !d.current);
  if (!current) return <p className="govuk-body">No MASH decision has been recorded yet.</p>;
  return (
    <>
      <div data-testid="current-decision">
        <DecisionSummary decision={current} />
      </div>
      {current.status === 'AWAITING_SIGN_OFF' ? <SignOffForms enquiryId={enquiryId} decision={current} onDecided={onDecided} /> : null}
      {earlier.length > 0 ? (
        <details className="govuk-details">
          <summary className="govuk-details__summary">
            <span className="govuk-details__summary-text">Earlier decisions ({earlier.length})</span>
          </summary>
          <div className="govuk-details__text">
            {earlier.map((d) => (
              <div key={d.id}>
                <h3 className="govuk-heading-s">Decision {d.sequence}</h3>
                <DecisionSummary decision={d} />
              </div>
            ))}
          </div>
        </details>
      ) : null}
    </>
  );
}

function SignOffForms({ enquiryId, decision, onDecided }: { enquiryId: string; decision: Decision; onDecided(message: string): void }) {
  const signOff = useMutation(SignOffMutation);
  const send = useMutation(ReturnMutation);
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const error = signOff.error ?? send.error;
  const serverField = fieldErrorFrom(signOff.error, { comment: 'sign-off-comment' }) ?? fieldErrorFrom(send.error, { reason: 'return-reason' });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];
  return (
    <>
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : error} />
      <div className="govuk-grid-row">
        <form
          className="govuk-grid-column-one-half"
          noValidate
          onSubmit={async (event) => {
            event.preventDefault();
            setErrors([]);
            send.clearError();
            const result = await signOff.run({ enquiryId, decisionId: decision.id, ...(comment.trim() ? { comment: comment.trim() } : {}) });
            if (result) onDecided('The decision is signed off.');
          }}
        >
          <h3 className="govuk-heading-s">Sign off</h3>
          <TextareaField id="sign-off-comment" label="Comment (optional)" hint="Kept with the sign-off." value={comment} onChange={setComment} error={fieldErrors.find((e) => e.id === 'sign-off-comment')} rows={3} />
          <button type="submit" className="govuk-button" disabled={signOff.running || send.running}>
            Sign off decision
          </button>
        </form>
        <form
          className="govuk-grid-column-one-half"
          noValidate
          onSubmit={async (event) => {
            event.preventDefault();
            signOff.clearError();
            if (!reason.trim()) {
              setErrors([{ id: 'return-reason', message: 'Enter why the decision is returned' }]);
              return;
            }
            setErrors([]);
            const result = await send.run({ enquiryId, decisionId: decision.id, reason: reason.trim() });
            if (result) onDecided('The decision is returned to be recorded again.');
          }}
        >
          <h3 className="govuk-heading-s">Return</h3>
          <TextareaField id="return-reason" label="Why it is returned" hint="The researcher records a new decision." value={reason} onChange={setReason} error={fieldErrors.find((e) => e.id === 'return-reason')} rows={3} />
          <button type="submit" className="govuk-button govuk-button--warning" disabled={signOff.running || send.running}>
            Return decision
          </button>
        </form>
      </div>
    </>
  );
}
