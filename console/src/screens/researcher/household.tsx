import { useState } from 'react';
import { BackLink, DisclosedUnder, ErrorPage, formatDate, Loading, usePageTitle, useMutation, useQuery } from '../../components/common';
import { FormErrorSummary, MissingParams, TextareaField } from '../../components/enquiry-form';
import { WithheldMarkerText } from '../../components/enquiry-withheld';
import { AgencyStatus, agencyName, BandTag, bandWords, nameLine, relationWords } from '../../components/enquiry-words';
import { graphql } from '../../gql';
import type { ConsoleHouseholdQuery } from '../../gql/graphql';
import { ScreenLink, useNavigation } from '../../navigation';

const HouseholdQuery = graphql(`
  query ConsoleHousehold($enquiryId: ID!, $subjectId: ID!) {
    enquiry(id: $enquiryId) {
      id
      referralReference
      purpose
      legalBasis
      subjects {
        id
        label
        relation
        relevance
        links {
          agency
          personId
        }
      }
    }
    household(enquiryId: $enquiryId, subjectId: $subjectId) {
      auditEventId
      policyVersion
      addressesSearched
      childRecordsSetAside
      subject {
        id
        label
      }
      agencies {
        agency
        status
        detail
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
      candidates {
        key
        band
        identityBand
        householdBand
        relation
        records {
          agency
          personId
          person {
            names {
              family
              given
            }
            birthDate
          }
          evidence {
            agency
            basis
            relationship
            agencyRelationship
          }
        }
      }
    }
  }
`);

const LinkPersonMutation = graphql(`
  mutation ConsoleHouseholdLinkPerson($enquiryId: ID!, $householdEventId: ID!, $key: String!, $relation: SubjectRelation!, $label: String!, $relevance: String) {
    linkPerson(enquiryId: $enquiryId, searchEventId: $householdEventId, key: $key, relation: $relation, label: $label, relevance: $relevance) {
      id
      label
      relation
      relevance
    }
  }
`);

type Candidate = ConsoleHouseholdQuery['household']['candidates'][number];

const BASIS_WORDS: Record<string, string> = { SAME_ADDRESS: 'recorded at the same address', RELATED_PERSON: 'recorded as related' };

/** "parent (MTH); recorded as related and at the same address" in words, for one agency record. */
function evidenceWords(evidence: Candidate['records'][number]['evidence']): string {
  const relations = [...new Set(evidence.filter((item) => item.relationship).map((item) => `${item.relationship!.replace(/-/g, ' ')}${item.agencyRelationship ? ` (${item.agencyRelationship})` : ''}`))];
  const bases = [...new Set(evidence.map((item) => BASIS_WORDS[item.basis] ?? item.basis.toLowerCase()))];
  const basis = bases.length === 0 ? '' : `recorded ${bases.map((words) => words.replace(/^recorded /, '')).join(' and ')}`;
  return [relations.join(', '), basis].filter(Boolean).join('; ');
}

interface Confirmed {
  subjectId: string;
  label: string;
  relevance: string | null;
}

function CandidateCard({
  candidate,
  confirmed,
  running,
  onConfirm,
  relevanceError,
}: {
  candidate: Candidate;
  confirmed: Confirmed | undefined;
  running: boolean;
  onConfirm(relevance: string): void;
  relevanceError: string | undefined;
}) {
  const [relevance, setRelevance] = useState('');
  const adult = candidate.relation === 'ADULT';
  const relationships = [...new Set(candidate.records.flatMap((record) => record.evidence.map((evidence) => evidence.relationship).filter((value): value is string => Boolean(value))))];
  return (
    <div className="govuk-summary-card" data-testid="household-candidate">
      <div className="govuk-summary-card__title-wrapper">
        <h2 className="govuk-summary-card__title">
          {nameLine(candidate.records[0]?.person.names)} ({relationWords(candidate.relation)}) <BandTag band={candidate.band} />
        </h2>
      </div>
      <div className="govuk-summary-card__content">
        <dl className="govuk-summary-list">
          <div className="govuk-summary-list__row">
            <dt className="govuk-summary-list__key">Relation to the child</dt>
            <dd className="govuk-summary-list__value">{relationships.length > 0 ? relationships.map((value) => value.replace(/-/g, ' ')).join(', ') : 'Not shared'}</dd>
          </div>
          <div className="govuk-summary-list__row">
            <dt className="govuk-summary-list__key">How sure</dt>
            <dd className="govuk-summary-list__value">
              {bandWords(candidate.band)}. Same person across agencies: {candidate.identityBand.toLowerCase()}; lives with the child: {candidate.householdBand.toLowerCase()}.
            </dd>
          </div>
          <div className="govuk-summary-list__row">
            <dt className="govuk-summary-list__key">Agencies</dt>
            <dd className="govuk-summary-list__value">
              <ul className="govuk-list">
                {candidate.records.map((record) => (
                  <li key={`${record.agency}|${record.personId}`}>
                    <strong>{agencyName(record.agency)}</strong>
                    {record.person.birthDate ? `, born ${formatDate(record.person.birthDate)}` : ''}: {evidenceWords(record.evidence) || 'no evidence shared'}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        </dl>
        {confirmed ? (
          <div className="govuk-inset-text" data-testid="candidate-confirmed">
            Confirmed as {confirmed.label}, a subject of the enquiry.
            {adult ? (confirmed.relevance ? ` Relevance recorded: ${confirmed.relevance}` : ' No relevance recorded yet: their more sensitive detail stays withheld.') : ''}
          </div>
        ) : (
          <form
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              onConfirm(relevance);
            }}
          >
            {adult ? (
              <TextareaField
                field={`relevance-${candidate.key}`}
                label="Why this adult is relevant to the child"
                hint="For example: mother; police attended a domestic abuse call-out at the home. Until it is recorded their health and police detail stays withheld."
                rows={3}
                value={relevance}
                onChange={setRelevance}
                error={relevanceError}
              />
            ) : null}
            <button type="submit" className="govuk-button govuk-!-margin-bottom-0" data-module="govuk-button" disabled={running}>
              Confirm as a subject<span className="govuk-visually-hidden"> ({candidate.key})</span>
            </button>
          </form>
        )}
      </div>
    </div>
  );
}

/** Who the agencies record with the child: confirm each as a subject, with an adult's relevance. */
export function HouseholdScreen() {
  usePageTitle('Household');
  const { route } = useNavigation();
  const { enquiryId, subjectId } = route.params;
  const answer = useQuery(HouseholdQuery, { enquiryId: enquiryId ?? '', subjectId: subjectId ?? '' }, { skip: enquiryId === undefined || subjectId === undefined });
  const link = useMutation(LinkPersonMutation);
  const [confirmed, setConfirmed] = useState<Record<string, Confirmed>>({});
  const [failedKey, setFailedKey] = useState<string | undefined>(undefined);
  if (enquiryId === undefined || subjectId === undefined) return <MissingParams what="the household of one child in an enquiry" />;
  if (answer.error) return <ErrorPage error={answer.error} />;
  if (answer.data === undefined) return <Loading what="the household" />;
  const { enquiry, household } = answer.data;
  const error = link.error;

  /**
   * Links all the candidate's records as one new subject, with an adult's relevance, in one step:
   * the gateway records all of it or nothing (linkPerson with the household read's event and key).
   */
  const confirm = async (candidate: Candidate, text: string) => {
    link.clearError();
    setFailedKey(candidate.key);
    const sameRelation = enquiry.subjects.filter((subject) => subject.relation === candidate.relation).length + Object.values(confirmed).filter((c) => c.label.startsWith(candidate.relation === 'ADULT' ? 'Adult' : 'Child')).length;
    const label = `${candidate.relation === 'ADULT' ? 'Adult' : 'Child'} ${sameRelation + 1}`;
    const linked = await link.run({
      enquiryId,
      householdEventId: household.auditEventId,
      key: candidate.key,
      relation: candidate.relation,
      label,
      ...(candidate.relation === 'ADULT' && text.trim() ? { relevance: text } : {}),
    });
    if (!linked) return;
    setConfirmed((current) => ({ ...current, [candidate.key]: { subjectId: linked.linkPerson.id, label: linked.linkPerson.label ?? label, relevance: linked.linkPerson.relevance ?? null } }));
    setFailedKey(undefined);
  };

  return (
    <>
      <BackLink to="/enquiry" params={{ enquiryId }}>
        Back to the enquiry
      </BackLink>
      {error ? <FormErrorSummary error={error} fieldFor={(field) => (field === 'relevance' && failedKey ? `relevance-${failedKey}` : field)} /> : null}
      <span className="govuk-caption-l">
        Referral {enquiry.referralReference}: {household.subject.label ?? 'the child'}
      </span>
      <h1 className="govuk-heading-l">Household</h1>
      <DisclosedUnder purpose={enquiry.purpose} legalBasis={enquiry.legalBasis} policyVersion={household.policyVersion} />
      <p className="govuk-body">
        People the agencies record with the child, at the same address or as related, best evidenced first. These are proposals: confirm each person who is part of the child’s household. {household.addressesSearched}{' '}
        {household.addressesSearched === 1 ? 'address was' : 'addresses were'} searched.
      </p>
      {household.candidates.length === 0 ? <p className="govuk-body">No one else is recorded with the child.</p> : null}
      {household.candidates.map((candidate) => (
        <CandidateCard
          key={candidate.key}
          candidate={candidate}
          confirmed={confirmed[candidate.key]}
          running={link.running}
          onConfirm={(text) => void confirm(candidate, text)}
          relevanceError={failedKey === candidate.key && link.error && link.error.details?.field === 'relevance' ? link.error.message : undefined}
        />
      ))}
      <h2 className="govuk-heading-m">Each agency’s answer</h2>
      <dl className="govuk-summary-list" data-testid="household-agencies">
        {household.agencies.map((agency) => (
          <div className="govuk-summary-list__row" key={agency.agency}>
            <dt className="govuk-summary-list__key">{agencyName(agency.agency)}</dt>
            <dd className="govuk-summary-list__value">
              <AgencyStatus status={agency.status} detail={agency.detail} />
              {agency.withheld.map((marker) => (
                <WithheldMarkerText key={`${marker.label}|${marker.reason}`} marker={marker} />
              ))}
            </dd>
          </div>
        ))}
      </dl>
      <p className="govuk-body">
        <ScreenLink to="/enquiry" params={{ enquiryId }}>
          Return to the enquiry
        </ScreenLink>
      </p>
    </>
  );
}
