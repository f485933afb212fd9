import { useState } from 'react';
import { BackLink, DisclosedUnder, ErrorPage, Loading, usePageTitle, useMutation, useQuery, formatDate } from '../../components/common';
import { errorField, fieldId, FormErrorSummary, MissingParams, TextField } from '../../components/enquiry-form';
import { AgencyStatus, agencyName, BandTag, bandWords, nameLine } from '../../components/enquiry-words';
import { graphql } from '../../gql';
import type { ConsoleSearchPeopleQuery, PersonSearchInput } from '../../gql/graphql';
import { useNavigation } from '../../navigation';

const SearchContextQuery = graphql(`
  query ConsoleSearchContext($id: ID!) {
    enquiry(id: $id) {
      id
      referralReference
      purpose
      legalBasis
      subjects {
        id
        relation
      }
    }
  }
`);

const SearchPeopleQuery = graphql(`
  query ConsoleSearchPeople($enquiryId: ID!, $query: PersonSearchInput!) {
    searchPeople(enquiryId: $enquiryId, query: $query) {
      auditEventId
      queryProblems
      notShown {
        agency
        count
      }
      agencies {
        agency
        status
        detail
        withheld {
          label
          reason
          contact {
            name
            phone
          }
        }
      }
      people {
        key
        band
        score
        records {
          agency
          personId
          band
          caution
          reasons {
            field
            level
            weight
            explanation
          }
          person {
            names {
              family
              given
            }
            birthDate
            gender
            addresses {
              postalCode
            }
            withheldFields
          }
        }
      }
    }
  }
`);

const LinkPersonMutation = graphql(`
  mutation ConsoleLinkPerson($enquiryId: ID!, $searchEventId: ID!, $key: String!, $label: String, $relation: SubjectRelation) {
    linkPerson(enquiryId: $enquiryId, searchEventId: $searchEventId, key: $key, label: $label, relation: $relation) {
      id
      label
    }
  }
`);

type SearchResult = ConsoleSearchPeopleQuery['searchPeople'];

const evidenceWord = (weight: number): string => (weight > 0 ? 'For' : weight < 0 ? 'Against' : 'Not compared');

function LikelyPerson({ person, onConfirm, confirming }: { person: SearchResult['people'][number]; onConfirm(): void; confirming: boolean }) {
  return (
    <div className="govuk-summary-card" data-testid="likely-person">
      <div className="govuk-summary-card__title-wrapper">
        <h3 className="govuk-summary-card__title">
          Likely person {person.key} <BandTag band={person.band} />
        </h3>
      </div>
      <div className="govuk-summary-card__content">
        <p className="govuk-body">
          {bandWords(person.band)}. {person.records.length} agency {person.records.length === 1 ? 'record' : 'records'}.
        </p>
        {person.records.map((record) => (
          <section key={`${record.agency}|${record.personId}`} className="govuk-!-margin-bottom-6" aria-label={`${agencyName(record.agency)} record`}>
            <h4 className="govuk-heading-s govuk-!-margin-bottom-2">
              {agencyName(record.agency)} <BandTag band={record.band} />
            </h4>
            <dl className="govuk-summary-list govuk-summary-list--no-border govuk-!-margin-bottom-2">
              <div className="govuk-summary-list__row">
                <dt className="govuk-summary-list__key">Name</dt>
                <dd className="govuk-summary-list__value">{nameLine(record.person.names)}</dd>
              </div>
              <div className="govuk-summary-list__row">
                <dt className="govuk-summary-list__key">Date of birth</dt>
                <dd className="govuk-summary-list__value">{record.person.birthDate ? formatDate(record.person.birthDate) : 'Not shared'}</dd>
              </div>
              <div className="govuk-summary-list__row">
                <dt className="govuk-summary-list__key">Postcode</dt>
                <dd className="govuk-summary-list__value">{record.person.addresses?.find((address) => address.postalCode)?.postalCode ?? 'Not shared'}</dd>
              </div>
              <div className="govuk-summary-list__row">
                <dt className="govuk-summary-list__key">Agency record</dt>
                <dd className="govuk-summary-list__value">
                  <code>{record.personId}</code>
                </dd>
              </div>
            </dl>
            {record.caution ? (
              <div className="govuk-warning-text">
                <span className="govuk-warning-text__icon" aria-hidden="true">
                  !
                </span>
                <strong className="govuk-warning-text__text">
                  <span className="govuk-visually-hidden">Warning</span>
                  {record.caution}
                </strong>
              </div>
            ) : null}
            <p className="govuk-body-s govuk-!-font-weight-bold govuk-!-margin-bottom-1">Why it matches</p>
            <ul className="govuk-list govuk-list--bullet govuk-body-s" data-testid="match-reasons">
              {record.reasons.map((reason) => (
                <li key={reason.field}>
                  <strong>{evidenceWord(reason.weight)}:</strong> {reason.explanation}
                </li>
              ))}
            </ul>
          </section>
        ))}
        <button type="button" className="govuk-button govuk-!-margin-bottom-0" data-module="govuk-button" disabled={confirming} onClick={onConfirm}>
          Confirm this person<span className="govuk-visually-hidden"> ({person.key})</span>
        </button>
      </div>
    </div>
  );
}

/** Finds a person in every agency; a likely person is confirmed as a subject in one click. */
export function SearchScreen() {
  usePageTitle('Find people');
  const { route, navigate } = useNavigation();
  const enquiryId = route.params.enquiryId;
  const context = useQuery(SearchContextQuery, { id: enquiryId ?? '' }, { skip: enquiryId === undefined });
  const search = useMutation(SearchPeopleQuery);
  const link = useMutation(LinkPersonMutation);
  const [family, setFamily] = useState('');
  const [given, setGiven] = useState('');
  const [day, setDay] = useState('');
  const [month, setMonth] = useState('');
  const [year, setYear] = useState('');
  const [postcode, setPostcode] = useState('');
  const [nhsNumber, setNhsNumber] = useState('');
  const [result, setResult] = useState<SearchResult | undefined>(undefined);

  if (enquiryId === undefined) return <MissingParams what="a search inside one enquiry" />;
  if (context.error) return <ErrorPage error={context.error} />;
  if (context.data === undefined) return <Loading what="the enquiry" />;
  const enquiry = context.data.enquiry;

  const error = link.error ?? search.error;
  const named = errorField(search.error);
  const errorFor = (field: string) => (named === field || (field === 'family' && named === 'query') ? search.error?.message : undefined);

  const run = async () => {
    link.clearError();
    const birthDate = day.trim() || month.trim() || year.trim() ? `${year.trim()}-${month.trim().padStart(2, '0')}-${day.trim().padStart(2, '0')}` : undefined;
    const query: PersonSearchInput = {
      ...(family.trim() ? { family: family.trim() } : {}),
      ...(given.trim() ? { given: given.trim() } : {}),
      ...(birthDate ? { birthDate } : {}),
      ...(postcode.trim() ? { postcode: postcode.trim() } : {}),
      ...(nhsNumber.trim() ? { nhsNumber: nhsNumber.replace(/\s+/g, '') } : {}),
    };
    setResult(undefined);
    const answer = await search.run({ enquiryId, query });
    if (answer) setResult(answer.searchPeople);
  };

  const confirm = async (key: string) => {
    if (!result) return;
    const children = enquiry.subjects.filter((subject) => subject.relation === 'CHILD').length;
    const linked = await link.run({ enquiryId, searchEventId: result.auditEventId, key, label: `Child ${children + 1}`, relation: 'CHILD' });
    if (linked) navigate('/enquiry', { enquiryId, linkedSubject: linked.linkPerson.id });
  };

  const birthError = errorFor('birthDate');
  return (
    <>
      <BackLink to="/enquiry" params={{ enquiryId }}>
        Back to the enquiry
      </BackLink>
      {error ? <FormErrorSummary error={error} fieldFor={(field) => (field === 'query' ? 'family' : field)} /> : null}
      <span className="govuk-caption-l">Referral {enquiry.referralReference}</span>
      <h1 className="govuk-heading-l">Find people in every agency</h1>
      <p className="govuk-body">Give an NHS number, or a family name with a given name or date of birth. The more you give, the fewer people who are not the one you are looking for are shown. Every search is recorded.</p>
      <form
        noValidate
        className="govuk-!-margin-bottom-8"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-one-half">
            <TextField field="family" label="Family name" value={family} onChange={setFamily} error={errorFor('family')} />
          </div>
          <div className="govuk-grid-column-one-half">
            <TextField field="given" label="Given name" value={given} onChange={setGiven} error={errorFor('given')} />
          </div>
        </div>
        <div className={`govuk-form-group${birthError ? ' govuk-form-group--error' : ''}`}>
          <fieldset className="govuk-fieldset" role="group" aria-describedby={`${fieldId('birthDate')}-hint${birthError ? ` ${fieldId('birthDate')}-error` : ''}`}>
            <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">Date of birth</legend>
            <div id={`${fieldId('birthDate')}-hint`} className="govuk-hint">
              For example, 27 3 2015
            </div>
            {birthError ? (
              <p id={`${fieldId('birthDate')}-error`} className="govuk-error-message">
                <span className="govuk-visually-hidden">Error:</span> {birthError}
              </p>
            ) : null}
            <div className="govuk-date-input">
              {(
                [
                  ['day', 'Day', day, setDay, 2],
                  ['month', 'Month', month, setMonth, 2],
                  ['year', 'Year', year, setYear, 4],
                ] as const
              ).map(([part, label, value, set, width]) => (
                <div className="govuk-date-input__item" key={part}>
                  <div className="govuk-form-group">
                    <label className="govuk-label govuk-date-input__label" htmlFor={part === 'day' ? fieldId('birthDate') : fieldId(`birthDate.${part}`)}>
                      {label}
                    </label>
                    <input
                      className={`govuk-input govuk-date-input__input govuk-input--width-${width}${birthError ? ' govuk-input--error' : ''}`}
                      id={part === 'day' ? fieldId('birthDate') : fieldId(`birthDate.${part}`)}
                      name={`birthDate-${part}`}
                      type="text"
                      inputMode="numeric"
                      value={value}
                      onChange={(event) => set(event.target.value)}
                    />
                  </div>
                </div>
              ))}
            </div>
          </fieldset>
        </div>
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-one-half">
            <TextField field="postcode" label="Postcode" width={10} value={postcode} onChange={setPostcode} error={errorFor('postcode')} />
          </div>
          <div className="govuk-grid-column-one-half">
            <TextField field="nhsNumber" label="NHS number" hint="10 digits" width={10} inputMode="numeric" value={nhsNumber} onChange={setNhsNumber} error={errorFor('nhsNumber')} />
          </div>
        </div>
        <button type="submit" className="govuk-button" data-module="govuk-button" disabled={search.running}>
          Search every agency
        </button>
      </form>

      {search.running ? <Loading what="every agency's answer" /> : null}
      {result ? (
        <section aria-labelledby="results-heading" data-testid="search-results">
          <h2 className="govuk-heading-m" id="results-heading">
            {result.people.length === 0 ? 'No likely person found' : `${result.people.length} likely ${result.people.length === 1 ? 'person' : 'people'}, best match first`}
          </h2>
          <DisclosedUnder purpose={enquiry.purpose} legalBasis={enquiry.legalBasis} />
          {result.queryProblems.length > 0 ? (
            <div className="govuk-warning-text">
              <span className="govuk-warning-text__icon" aria-hidden="true">
                !
              </span>
              <strong className="govuk-warning-text__text">
                <span className="govuk-visually-hidden">Warning</span>
                Not used in matching: {result.queryProblems.join('; ')}
              </strong>
            </div>
          ) : null}
          {result.notShown.length > 0 ? (
            <div className="govuk-inset-text" data-testid="not-shown">
              Not shown, because they did not match closely enough:{' '}
              {result.notShown.map((count) => `${agencyName(count.agency)} ${count.count} ${count.count === 1 ? 'record' : 'records'}`).join(', ')}. To narrow the search, add a date of birth, NHS number or postcode.
            </div>
          ) : null}
          {result.people.map((person) => (
            <LikelyPerson key={person.key} person={person} confirming={link.running} onConfirm={() => void confirm(person.key)} />
          ))}
          <h2 className="govuk-heading-m">Each agency’s answer</h2>
          <dl className="govuk-summary-list" data-testid="search-agencies">
            {result.agencies.map((agency) => (
              <div className="govuk-summary-list__row" key={agency.agency}>
                <dt className="govuk-summary-list__key">{agencyName(agency.agency)}</dt>
                <dd className="govuk-summary-list__value">
                  <AgencyStatus status={agency.status} detail={agency.detail} />
                  {agency.withheld.map((marker) => (
                    <p className="govuk-body-s" key={marker.label}>
                      Withheld: {marker.label}. {marker.reason} Contact {marker.contact.name ?? 'the agency'}
                      {marker.contact.phone ? ` on ${marker.contact.phone}` : ''}.
                    </p>
                  ))}
                </dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}
    </>
  );
}
