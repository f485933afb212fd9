import { useEffect, useRef, useState } from 'react';
import { ErrorSummary, formatDateTime, formatTimeLeft, Loading, RagTag, SuccessBanner, SummaryList, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { EnquiryQueueFilter, TeamQueueQuery } from '../../gql/graphql';
import { ScreenLink } from '../../navigation';
import { useSession } from '../../session';
import { IncidentFeeds } from '../incidents/incident-feeds';
import { fieldErrorFrom, FormErrors, TextareaField, TextField, type FieldError } from './forms';

const TeamQueueQuery = graphql(`
  query TeamQueue($team: String!, $filter: EnquiryQueueFilter, $after: String) {
    enquiryQueue(team: $team, filter: $filter, first: 25, after: $after) {
      team
      totalCount
      nextCursor
      entries {
        enquiryId
        referralReference
        purpose
        rag
        deadline
        timeLeftSeconds
        overdue
        memberCount
        member
        assignee {
          id
          issuer
          name
        }
      }
    }
  }
`);

const AssignMutation = graphql(`
  mutation TeamQueueAssign($enquiryId: ID!, $actorId: ID!, $issuer: String!, $note: String) {
    assignEnquiry(enquiryId: $enquiryId, actorId: $actorId, issuer: $issuer, note: $note) {
      id
      assignee {
        id
        name
      }
    }
  }
`);

const ExtendMutation = graphql(`
  mutation TeamQueueExtend($enquiryId: ID!, $deadline: DateTime!, $reason: String!) {
    extendDeadline(enquiryId: $enquiryId, deadline: $deadline, reason: $reason) {
      id
      deadline
    }
  }
`);

const ReferralQuery = graphql(`
  query TeamQueueReferral($enquiryId: ID!) {
    referral(enquiryId: $enquiryId) {
      enquiryId
      receivedAt
      text
      auditEventId
      source {
        kind
        organisation
        referrerName
        referrerRole
      }
      concernCategories {
        id
        label
      }
    }
  }
`);

type Entry = TeamQueueQuery['enquiryQueue']['entries'][number];
type Action = { kind: 'assign' | 'extend' | 'referral'; entry: Entry };

const SOURCE_KINDS: Record<string, string> = { AGENCY: 'Agency', PROFESSIONAL: 'Professional', PUBLIC: 'Member of the public', ANONYMOUS: 'Anonymous' };

const who = (actor: { id: string; name?: string | null }) => (actor.name ? `${actor.name} (${actor.id})` : actor.id);

/** The manager's team queue: assign and hand over, extend deadlines, read a referral, open an enquiry to manage. */
export function TeamQueueScreen() {
  usePageTitle('Team queue');
  const { user } = useSession();
  const [show, setShow] = useState<'all' | 'unassigned' | 'overdue'>('all');
  const [after, setAfter] = useState<string | undefined>(undefined);
  const [action, setAction] = useState<Action | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const filter: EnquiryQueueFilter = show === 'unassigned' ? { assignment: 'UNASSIGNED' } : show === 'overdue' ? { overdue: true } : {};
  const queue = useQuery(TeamQueueQuery, { team: user?.agency ?? '', filter, ...(after ? { after } : {}) });
  const page = queue.data?.enquiryQueue;

  const finish = (message: string) => {
    setAction(undefined);
    setDone(message);
    queue.reload();
  };

  return (
    <>
      <h1 className="govuk-heading-l">Team queue</h1>
      <p className="govuk-body">Your team's open enquiries, most urgent first: assign them, extend their deadlines and open one to manage its purpose and decision.</p>
      {done ? (
        <SuccessBanner heading={done} />
      ) : null}
      <div className="govuk-form-group">
        <label className="govuk-label" htmlFor="team-queue-show">
          Show
        </label>
        <select
          className="govuk-select"
          id="team-queue-show"
          value={show}
          onChange={(event) => {
            setShow(event.target.value as typeof show);
            setAfter(undefined);
          }}
        >
          <option value="all">All open enquiries</option>
          <option value="unassigned">Unassigned only</option>
          <option value="overdue">Overdue only</option>
        </select>
      </div>
      {queue.error ? <ErrorSummary error={queue.error} /> : null}
      {queue.loading && page === undefined ? <Loading what="the team queue" /> : null}
      {page ? (
        <>
          <p className="govuk-body" role="status">
            {page.totalCount === 0 ? 'No open enquiries match.' : `${page.totalCount} open ${page.totalCount === 1 ? 'enquiry' : 'enquiries'}, most urgent first.`}
          </p>
          {page.entries.length > 0 ? (
            <div className="app-table-wrap">
              <table className="govuk-table" data-testid="team-queue-table">
                <caption className="govuk-table__caption govuk-table__caption--m govuk-visually-hidden">Team queue, most urgent first</caption>
                <thead className="govuk-table__head">
                  <tr className="govuk-table__row">
                    <th scope="col" className="govuk-table__header">Referral</th>
                    <th scope="col" className="govuk-table__header">RAG</th>
                    <th scope="col" className="govuk-table__header">Time left</th>
                    <th scope="col" className="govuk-table__header">Purpose</th>
                    <th scope="col" className="govuk-table__header">Assigned to</th>
                    <th scope="col" className="govuk-table__header">Actions</th>
                  </tr>
                </thead>
                <tbody className="govuk-table__body">
                  {page.entries.map((entry) => (
                    <tr className="govuk-table__row" key={entry.enquiryId}>
                      <th scope="row" className="govuk-table__header">
                        <ScreenLink to="/manage-enquiry" params={{ enquiryId: entry.enquiryId, referralReference: entry.referralReference }}>
                          {entry.referralReference}
                          <span className="govuk-visually-hidden">: manage purpose and decision</span>
                        </ScreenLink>
                      </th>
                      <td className="govuk-table__cell">
                        <RagTag rag={entry.rag} />
                      </td>
                      <td className="govuk-table__cell">
                        {entry.overdue ? <strong className="govuk-tag govuk-tag--red">{formatTimeLeft(entry.timeLeftSeconds)}</strong> : formatTimeLeft(entry.timeLeftSeconds)}
                      </td>
                      <td className="govuk-table__cell">{entry.purpose}</td>
                      <td className="govuk-table__cell" data-testid="assignee">
                        {entry.assignee ? who(entry.assignee) : <strong className="govuk-tag govuk-tag--grey">Unassigned</strong>}
                      </td>
                      <td className="govuk-table__cell">
                        <div className="app-actions">
                          <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onClick={() => { setDone(undefined); setAction({ kind: 'assign', entry }); }}>
                            {entry.assignee ? 'Reassign' : 'Assign'}
                            <span className="govuk-visually-hidden"> {entry.referralReference}</span>
                          </button>
                          <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onClick={() => { setDone(undefined); setAction({ kind: 'extend', entry }); }}>
                            Extend deadline<span className="govuk-visually-hidden"> of {entry.referralReference}</span>
                          </button>
                          <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onClick={() => { setDone(undefined); setAction({ kind: 'referral', entry }); }}>
                            Read referral<span className="govuk-visually-hidden"> of {entry.referralReference}</span>
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {page.nextCursor ? (
            <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setAfter(page.nextCursor ?? undefined)}>
              Next page
            </button>
          ) : null}
        </>
      ) : null}
      {action?.kind === 'assign' ? <AssignPanel key={action.entry.enquiryId} entry={action.entry} onCancel={() => setAction(undefined)} onDone={finish} /> : null}
      {action?.kind === 'extend' ? <ExtendPanel key={action.entry.enquiryId} entry={action.entry} onCancel={() => setAction(undefined)} onDone={finish} /> : null}
      {action?.kind === 'referral' ? <ReferralPanel key={action.entry.enquiryId} entry={action.entry} onClose={() => setAction(undefined)} /> : null}
      <IncidentFeeds />
    </>
  );
}

/** A panel's heading, focused when it opens so keyboard and screen-reader users land on it. */
function PanelHeading({ children }: { children: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.scrollIntoView?.({ block: 'start' });
  }, []);
  return (
    <h2 className="govuk-heading-m" tabIndex={-1} ref={ref}>
      {children}
    </h2>
  );
}

function AssignPanel({ entry, onCancel, onDone }: { entry: Entry; onCancel(): void; onDone(message: string): void }) {
  const { user } = useSession();
  const assign = useMutation(AssignMutation);
  const [actorId, setActorId] = useState('');
  const [issuer, setIssuer] = useState(user?.issuer ?? '');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const reassigning = entry.assignee !== null && entry.assignee !== undefined;
  const serverField = assign.error?.code === 'UNKNOWN_ACTOR' ? { id: 'assign-actor', message: assign.error.message } : fieldErrorFrom(assign.error, { actorId: 'assign-actor', issuer: 'assign-issuer', note: 'assign-note' });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];

  return (
    <section className="govuk-!-margin-top-6" aria-label={`Assign ${entry.referralReference}`}>
      <PanelHeading>{`${reassigning ? 'Reassign' : 'Assign'} ${entry.referralReference}`}</PanelHeading>
      <p className="govuk-body">{reassigning ? `Assigned now to ${who(entry.assignee!)}. The new researcher becomes a member of the enquiry if they are not one.` : 'Unassigned. The researcher becomes a member of the enquiry if they are not one.'}</p>
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : assign.error} />
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          const problems: FieldError[] = [];
          if (!actorId.trim()) problems.push({ id: 'assign-actor', message: "Enter the researcher's user id" });
          if (!issuer.trim()) problems.push({ id: 'assign-issuer', message: 'Enter the issuer that signs the researcher in' });
          if (reassigning && !note.trim()) problems.push({ id: 'assign-note', message: `Enter a handover note: the enquiry is assigned to ${who(entry.assignee!)} now` });
          setErrors(problems);
          if (problems.length > 0) return;
          const result = await assign.run({ enquiryId: entry.enquiryId, actorId: actorId.trim(), issuer: issuer.trim(), ...(note.trim() ? { note: note.trim() } : {}) });
          if (result) onDone(`${entry.referralReference} is assigned to ${who(result.assignEnquiry.assignee ?? { id: actorId.trim() })}.`);
        }}
      >
        <TextField id="assign-actor" label="Researcher's user id" hint="Their sign-in id at their identity provider, e.g. demo-researcher. They must be of your team and have signed in at least once." value={actorId} onChange={setActorId} error={fieldErrors.find((e) => e.id === 'assign-actor')} width="govuk-input--width-20" />
        <TextField id="assign-issuer" label="Their issuer" hint="The identity provider that signs them in: usually the same as yours." value={issuer} onChange={setIssuer} error={fieldErrors.find((e) => e.id === 'assign-issuer')} />
        <TextareaField
          id="assign-note"
          label="Handover note"
          hint={reassigning ? 'Required when reassigning: where the work stands and what is next. Kept with the assignment, not in the audit log.' : 'Optional for a first assignment.'}
          value={note}
          onChange={setNote}
          error={fieldErrors.find((e) => e.id === 'assign-note')}
        />
        <div className="govuk-button-group">
          <button type="submit" className="govuk-button" disabled={assign.running}>
            {reassigning ? 'Reassign enquiry' : 'Assign enquiry'}
          </button>
          <button type="button" className="govuk-button govuk-button--secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

/** The value a datetime-local input takes for an ISO instant, in the browser's time zone. */
const localInput = (iso: string) => {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
};

function ExtendPanel({ entry, onCancel, onDone }: { entry: Entry; onCancel(): void; onDone(message: string): void }) {
  const extend = useMutation(ExtendMutation);
  const [deadline, setDeadline] = useState(localInput(entry.deadline));
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const serverField = fieldErrorFrom(extend.error, { deadline: 'extend-deadline', reason: 'extend-reason' });
  const fieldErrors = errors.length > 0 ? errors : serverField ? [serverField] : [];

  return (
    <section className="govuk-!-margin-top-6" aria-label={`Extend the deadline of ${entry.referralReference}`}>
      <PanelHeading>{`Extend the deadline of ${entry.referralReference}`}</PanelHeading>
      <p className="govuk-body">Due now: {formatDateTime(entry.deadline)}. Members' access ends a grace period after the new deadline.</p>
      <FormErrors fieldErrors={fieldErrors} error={serverField ? undefined : extend.error} />
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          const problems: FieldError[] = [];
          const when = deadline ? new Date(deadline) : undefined;
          if (!when || Number.isNaN(when.getTime())) problems.push({ id: 'extend-deadline', message: 'Enter the new deadline as a date and time' });
          else if (when.getTime() <= Date.parse(entry.deadline)) problems.push({ id: 'extend-deadline', message: `The new deadline must be later than the current one (${formatDateTime(entry.deadline)})` });
          if (!reason.trim()) problems.push({ id: 'extend-reason', message: 'Enter why the deadline is extended' });
          setErrors(problems);
          if (problems.length > 0 || !when) return;
          const result = await extend.run({ enquiryId: entry.enquiryId, deadline: when.toISOString(), reason: reason.trim() });
          if (result) onDone(`${entry.referralReference} is now due ${formatDateTime(result.extendDeadline.deadline)}.`);
        }}
      >
        <TextField id="extend-deadline" type="datetime-local" label="New deadline" hint="A date and time later than the current deadline, within the maximum extension." value={deadline} onChange={setDeadline} error={fieldErrors.find((e) => e.id === 'extend-deadline')} />
        <TextareaField id="extend-reason" label="Reason" hint="For example, 'Awaiting the health visitor's return on Monday'." value={reason} onChange={setReason} error={fieldErrors.find((e) => e.id === 'extend-reason')} />
        <div className="govuk-button-group">
          <button type="submit" className="govuk-button" disabled={extend.running}>
            Extend deadline
          </button>
          <button type="button" className="govuk-button govuk-button--secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

function ReferralPanel({ entry, onClose }: { entry: Entry; onClose(): void }) {
  const read = useMutation(ReferralQuery);
  const [answer, setAnswer] = useState<Awaited<ReturnType<typeof read.run>>>(undefined);
  const referral = answer?.referral;
  return (
    <section className="govuk-!-margin-top-6" aria-label={`Referral of ${entry.referralReference}`}>
      <PanelHeading>{`Referral of ${entry.referralReference}`}</PanelHeading>
      {read.error ? <ErrorSummary error={read.error} /> : null}
      {referral ? (
        <>
          <SummaryList
            rows={[
              { key: 'Received', value: formatDateTime(referral.receivedAt) },
              {
                key: 'Referred by',
                value: referral.source
                  ? [SOURCE_KINDS[referral.source.kind] ?? referral.source.kind, referral.source.organisation, referral.source.referrerName, referral.source.referrerRole].filter(Boolean).join(', ')
                  : 'Not recorded',
              },
              { key: 'Concerns', value: referral.concernCategories.map((c) => c.label).join(', ') || 'None recorded' },
              { key: 'What the referrer said', value: referral.text ? <span className="app-pre-wrap" data-testid="referral-text">{referral.text}</span> : 'No text recorded' },
            ]}
          />
          <p className="govuk-body-s">This read is recorded in the audit log (event {referral.auditEventId}).</p>
        </>
      ) : (
        <>
          <div className="govuk-warning-text">
            <span className="govuk-warning-text__icon" aria-hidden="true">
              !
            </span>
            <strong className="govuk-warning-text__text">
              <span className="govuk-visually-hidden">Warning</span>
              Reading the referral is recorded in the audit log under your name{entry.member ? '' : ', flagged for information-governance review because you are not a member of the enquiry'}.
            </strong>
          </div>
          <button type="button" className="govuk-button" disabled={read.running} onClick={async () => setAnswer(await read.run({ enquiryId: entry.enquiryId }))}>
            Show the referral
          </button>
        </>
      )}
      <div>
        <button type="button" className="govuk-button govuk-button--secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
