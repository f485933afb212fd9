import { useState } from 'react';
import { ErrorSummary, formatDateTime, Loading, SummaryList, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { IgAuditProofQuery } from '../../gql/graphql';
import { IncidentFeeds } from '../incidents/incident-feeds';
import { downloadBlob, ErrorMessage, FormErrorSummary, problemFor, type FieldProblem } from './form';

const VerificationQuery = graphql(`
  query IgAuditVerification {
    auditVerification {
      ok
      checkedAt
      eventsChecked
      headSeq
      checkpointsVerified
      lastCheckpoint {
        seq
        at
        keyId
      }
      unsignedEvents
      firstFailure {
        seq
        problem
        detail
        checkpointSeq
      }
      summary
    }
  }
`);

const ProofQuery = graphql(`
  query IgAuditProof($eventId: ID!) {
    auditProof(eventId: $eventId) {
      eventId
      seq
      treeSize
      leafHash
      path
      checkpointSeq
      checkpointKeyId
      publicKey
      proof
      verification {
        ok
        problem
        detail
        root
        checkpointAt
      }
    }
  }
`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_FIELD = 'proof-event';

/**
 * Whether the audit log is intact, as `mash-gateway audit verify` checks it, and an inclusion
 * proof for one event with the gateway's check of it. The screen says what each check covers.
 */
export function AuditIntegrityScreen() {
  usePageTitle('Audit log integrity');
  const verification = useQuery(VerificationQuery, {});
  const result = verification.data?.auditVerification;
  const [eventId, setEventId] = useState('');
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [proof, setProof] = useState<IgAuditProofQuery['auditProof'] | undefined>(undefined);
  const prover = useMutation(ProofQuery);
  const serverProblem = problemFor(prover.error, { eventId: EVENT_FIELD });
  const allProblems = serverProblem ? [serverProblem] : problems;
  const eventError = allProblems.find((problem) => problem.field === EVENT_FIELD)?.message;

  async function prove() {
    const id = eventId.trim();
    if (!UUID.test(id)) {
      setProblems([{ field: EVENT_FIELD, message: id ? 'Enter an audit event id in the right format, such as 3f2b8c1e-0a1b-4c2d-8e3f-1234567890ab' : 'Enter the id of the audit event to prove' }]);
      return;
    }
    setProblems([]);
    setProof(undefined);
    const answer = await prover.run({ eventId: id });
    if (answer) setProof(answer.auditProof);
  }

  return (
    <>
      <h1 className="govuk-heading-l">Audit log integrity</h1>
      <h2 className="govuk-heading-m">The whole log</h2>
      <p className="govuk-body">
        The gateway re-computes every event's hash from its content and the previous event's hash, rebuilds the Merkle tree, and checks every signed checkpoint's signature, chain head and tree root
        with its trusted audit keys: the same check as <code>mash-gateway audit verify</code>.
      </p>
      {verification.error ? <ErrorSummary error={verification.error} /> : null}
      {verification.loading ? <Loading what="the audit log check" /> : null}
      {result && !verification.loading ? (
        <div data-testid="audit-verification">
          <p className="govuk-body">
            {result.ok ? <strong className="govuk-tag govuk-tag--green">Intact</strong> : <strong className="govuk-tag govuk-tag--red">Not intact</strong>} <span className="govuk-!-margin-left-2">{result.summary}</span>
          </p>
          <SummaryList
            rows={[
              { key: 'Checked at', value: formatDateTime(result.checkedAt) },
              ...(result.ok
                ? [
                    { key: 'Events re-hashed', value: String(result.eventsChecked ?? 0) },
                    { key: 'Newest event', value: result.headSeq ? `seq ${result.headSeq}` : 'The log is empty' },
                    { key: 'Signed checkpoints verified', value: String(result.checkpointsVerified ?? 0) },
                    { key: 'Last checkpoint', value: result.lastCheckpoint ? `seq ${result.lastCheckpoint.seq}, signed ${formatDateTime(result.lastCheckpoint.at)} with key ${result.lastCheckpoint.keyId}` : 'None yet' },
                    {
                      key: 'Not yet signed',
                      value: result.unsignedEvents ? `${result.unsignedEvents} newer events await the next checkpoint: their removal from the end of the log could not be detected yet` : 'Every event is covered by a signature',
                    },
                  ]
                : [
                    { key: 'First failure', value: result.firstFailure ? `Event seq ${result.firstFailure.seq}: ${result.firstFailure.problem}` : 'Not given' },
                    { key: 'What is wrong', value: result.firstFailure?.detail ?? result.summary },
                    ...(result.firstFailure?.checkpointSeq ? [{ key: 'Checkpoint concerned', value: `seq ${result.firstFailure.checkpointSeq}` }] : []),
                  ]),
            ]}
          />
          <button type="button" className="govuk-button govuk-button--secondary" onClick={() => verification.reload()}>
            Check again
          </button>
        </div>
      ) : null}

      <h2 className="govuk-heading-m">One event: inclusion proof</h2>
      <p className="govuk-body">Proves that one event is in the log a checkpoint signed, so anyone holding the checkpoint's public key can check it without the gateway's database.</p>
      <FormErrorSummary problems={allProblems} />
      <form
        noValidate
        onSubmit={(submit) => {
          submit.preventDefault();
          void prove();
        }}
      >
        <div className={`govuk-form-group${eventError ? ' govuk-form-group--error' : ''}`}>
          <label className="govuk-label" htmlFor={EVENT_FIELD}>
            Audit event id
          </label>
          <div id={`${EVENT_FIELD}-hint`} className="govuk-hint">
            From the access log's event details, for example 3f2b8c1e-0a1b-4c2d-8e3f-1234567890ab
          </div>
          <ErrorMessage id={EVENT_FIELD} message={eventError} />
          <input
            className={`govuk-input govuk-input--width-30${eventError ? ' govuk-input--error' : ''}`}
            id={EVENT_FIELD}
            name={EVENT_FIELD}
            type="text"
            spellCheck={false}
            autoComplete="off"
            value={eventId}
            aria-describedby={`${EVENT_FIELD}-hint${eventError ? ` ${EVENT_FIELD}-error` : ''}`}
            onChange={(change) => setEventId(change.target.value)}
          />
        </div>
        <button type="submit" className="govuk-button" disabled={prover.running}>
          Check inclusion
        </button>
      </form>
      {prover.error && !serverProblem ? <ErrorSummary error={prover.error} /> : null}
      {proof ? (
        <section aria-labelledby="proof-result" data-testid="proof-result">
          <h3 className="govuk-heading-s" id="proof-result">
            {proof.verification.ok ? <strong className="govuk-tag govuk-tag--green">Included</strong> : <strong className="govuk-tag govuk-tag--red">Not verified</strong>} Event seq {proof.seq}
          </h3>
          <SummaryList
            rows={[
              { key: 'Result', value: proof.verification.detail },
              ...(proof.verification.problem ? [{ key: 'Problem', value: proof.verification.problem }] : []),
              { key: 'Checkpoint', value: `seq ${proof.checkpointSeq} (tree of ${proof.treeSize} events)${proof.verification.checkpointAt ? `, signed ${formatDateTime(proof.verification.checkpointAt)}` : ''} with key ${proof.checkpointKeyId}` },
              { key: 'Leaf hash', value: <code className="app-break-words">{proof.leafHash}</code> },
              ...(proof.verification.root ? [{ key: 'Signed root', value: <code className="app-break-words">{proof.verification.root}</code> }] : []),
              { key: 'Audit path', value: `${proof.path.length} hashes` },
            ]}
          />
          <div className="govuk-inset-text">
            What was checked: the gateway checked this proof with its trusted audit keys (the checkpoint's signature, that the event's content hashes to the leaf, and that the path leads from the
            leaf to the signed root). This check ran on the gateway itself. To check it independently, download the proof and the public key and verify them with mash-gateway's verifyProof or any
            RFC 6962 checker, using a public key you obtained from the gateway's operators, not from this page.
          </div>
          <div className="govuk-button-group">
            <button type="button" className="govuk-button govuk-button--secondary" onClick={() => downloadBlob(new Blob([proof.proof], { type: 'application/json' }), `audit-proof-seq-${proof.seq}.json`)}>
              Download proof (JSON)
            </button>
            <button type="button" className="govuk-button govuk-button--secondary" onClick={() => downloadBlob(new Blob([proof.publicKey], { type: 'application/json' }), `audit-key-${proof.checkpointKeyId.replace(/[^A-Za-z0-9_-]/g, '-')}.jwk.json`)}>
              Download public key
            </button>
          </div>
        </section>
      ) : null}
      <IncidentFeeds />
    </>
  );
}
