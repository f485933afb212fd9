import { useState } from 'react';
import { ErrorSummary, Loading, SummaryList, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { IgExplainQuery, SubjectRelation } from '../../gql/graphql';
import { ErrorMessage, FormErrorSummary, problemFor, type FieldProblem } from './form';

const CategoriesQuery = graphql(`
  query IgPolicyCategories {
    policyRoles {
      id
      label
    }
    purposes {
      id
      label
    }
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

const ExplainQuery = graphql(`
  query IgExplain($question: ExplainAccessInput!) {
    explainAccess(question: $question) {
      decision
      rule
      sources
      legalSources {
        id
        title
      }
      reason
      fields
      fieldsOnApproval
      records {
        description
      }
      policyId
      policyVersion
    }
  }
`);

const DECISION_TAGS: Record<string, string> = { disclose: 'govuk-tag--green', summarise: 'govuk-tag--blue', withhold: 'govuk-tag--orange', review: 'govuk-tag--yellow', deny: 'govuk-tag--red' };
const FIELDS: Record<string, string> = { role: 'explain-role', purpose: 'explain-purpose', category: 'explain-category', consent: 'explain-consent', subject: 'explain-subject' };

/** Why the policy decides what it does for a role, purpose and category: the decision, the rule and its legal sources. */
export function PolicyExplainScreen() {
  usePageTitle('Policy explain');
  const categories = useQuery(CategoriesQuery, {});
  const [chosenRole, setRole] = useState('');
  const [purpose, setPurpose] = useState('');
  const [category, setCategory] = useState('');
  const [consent, setConsent] = useState<'yes' | 'no'>('no');
  const [subject, setSubject] = useState<SubjectRelation>('CHILD');
  const [relevance, setRelevance] = useState(false);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [answer, setAnswer] = useState<{ question: string; explanation: IgExplainQuery['explainAccess'] } | undefined>(undefined);
  const explain = useMutation(ExplainQuery);
  // The policy's roles, from the policyRoles query in its order; the first is chosen until another is.
  const roleOptions: [string, string][] = (categories.data?.policyRoles ?? []).map((r): [string, string] => [r.id, r.label]);
  const role = chosenRole || (roleOptions[0]?.[0] ?? '');
  const badInput = explain.error?.code === 'BAD_INPUT' ? explain.error : undefined;
  const serverProblem = problemFor(explain.error, FIELDS) ?? (badInput ? { field: FIELDS.purpose!, message: badInput.message } : undefined);
  const allProblems = serverProblem ? [serverProblem] : problems;
  const errorOf = (id: string) => allProblems.find((problem) => problem.field === id)?.message;

  async function ask() {
    const found: FieldProblem[] = [];
    if (!role) found.push({ field: FIELDS.role!, message: 'Select the role' });
    if (!purpose) found.push({ field: FIELDS.purpose!, message: 'Select the purpose' });
    if (!category) found.push({ field: FIELDS.category!, message: 'Select the category of information' });
    setProblems(found);
    if (found.length > 0) return;
    const result = await explain.run({ question: { role, purpose, category, consent: consent === 'yes', subject, relevance } });
    if (result) {
      const roleLabel = roleOptions.find(([id]) => id === role)?.[1] ?? role;
      setAnswer({ question: `${roleLabel}, ${purpose}, ${category}, consent ${consent === 'yes' ? 'given' : 'not given'}, ${subject === 'ADULT' ? 'an adult' : 'the child'}${subject === 'ADULT' ? `, relevance ${relevance ? 'recorded' : 'not recorded'}` : ''}`, explanation: result.explainAccess });
    }
  }

  const select = (id: string, label: string, value: string, onChange: (value: string) => void, options: [string, string][], placeholder?: string) => (
    <div className={`govuk-form-group${errorOf(id) ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label" htmlFor={id}>
        {label}
      </label>
      <ErrorMessage id={id} message={errorOf(id)} />
      <select className={`govuk-select${errorOf(id) ? ' govuk-select--error' : ''}`} id={id} value={value} aria-describedby={errorOf(id) ? `${id}-error` : undefined} onChange={(change) => onChange(change.target.value)}>
        {placeholder ? <option value="">{placeholder}</option> : null}
        {options.map(([option, words]) => (
          <option key={option} value={option}>
            {words}
          </option>
        ))}
      </select>
    </div>
  );

  const purposeOptions: [string, string][] = (categories.data?.purposes ?? []).map((p): [string, string] => [p.id, `${p.label} (${p.id})`]);
  const categoryOptions: [string, string][] = (categories.data?.agencies ?? []).flatMap((agency) => agency.categories.map((c): [string, string] => [c.id, `${agency.name}: ${c.id} (${c.tier})`]));

  return (
    <>
      <h1 className="govuk-heading-l">Policy explain</h1>
      <p className="govuk-body">Ask why the disclosure policy decides what it does: for a role, a purpose and a category of information.</p>
      <FormErrorSummary problems={allProblems} />
      {categories.error ? <ErrorSummary error={categories.error} /> : null}
      {categories.loading ? <Loading what="the policy's roles, purposes and categories" /> : null}
      <form
        noValidate
        onSubmit={(submit) => {
          submit.preventDefault();
          void ask();
        }}
      >
        {select(FIELDS.role!, 'Role', role, setRole, roleOptions)}
        {select(FIELDS.purpose!, 'Purpose', purpose, setPurpose, purposeOptions, 'Select a purpose')}
        {select(FIELDS.category!, 'Category of information', category, setCategory, categoryOptions, 'Select a category')}
        <Radios id={FIELDS.consent!} legend="Has the family given consent?" value={consent} onChange={(value) => setConsent(value as 'yes' | 'no')} options={[['yes', 'Yes'], ['no', 'No, or not recorded']]} />
        <Radios id={FIELDS.subject!} legend="Who is the information about?" value={subject} onChange={(value) => setSubject(value as SubjectRelation)} options={[['CHILD', 'The child'], ['ADULT', 'An adult in the household']]} />
        {subject === 'ADULT' ? (
          <div className="govuk-form-group">
            <div className="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
              <div className="govuk-checkboxes__item">
                <input className="govuk-checkboxes__input" id="explain-relevance" type="checkbox" checked={relevance} onChange={(change) => setRelevance(change.target.checked)} />
                <label className="govuk-label govuk-checkboxes__label" htmlFor="explain-relevance">
                  Why the adult is relevant to the child is recorded
                </label>
              </div>
            </div>
          </div>
        ) : null}
        <button type="submit" className="govuk-button" disabled={explain.running}>
          Explain
        </button>
      </form>
      {explain.error && !serverProblem ? <ErrorSummary error={explain.error} /> : null}
      {answer ? (
        <section aria-labelledby="explain-answer" data-testid="explanation">
          <h2 className="govuk-heading-m" id="explain-answer">
            Decision: <strong className={`govuk-tag ${DECISION_TAGS[answer.explanation.decision] ?? 'govuk-tag--grey'}`}>{answer.explanation.decision}</strong>
          </h2>
          <p className="govuk-body-s">For: {answer.question}.</p>
          <SummaryList
            rows={[
              { key: 'Why', value: answer.explanation.reason },
              { key: 'Rule', value: <code>{answer.explanation.rule}</code> },
              {
                key: 'Legal sources',
                value:
                  answer.explanation.legalSources.length === 0 ? (
                    'None cited'
                  ) : (
                    <ul className="govuk-list">
                      {answer.explanation.legalSources.map((source) => (
                        <li key={source.id} className="app-break-words">
                          {source.title ?? 'Not listed in the policy'} ({source.id})
                        </li>
                      ))}
                    </ul>
                  ),
              },
              { key: 'Fields shared', value: answer.explanation.fields.length > 0 ? answer.explanation.fields.join(', ') : 'None' },
              ...(answer.explanation.fieldsOnApproval ? [{ key: 'Fields on the owning agency’s approval', value: answer.explanation.fieldsOnApproval.join(', ') || 'None' }] : []),
              { key: 'Records in scope', value: answer.explanation.records?.description ?? 'Every record of the category' },
              { key: 'Policy', value: `${answer.explanation.policyId}, version ${answer.explanation.policyVersion}` },
            ]}
          />
        </section>
      ) : null}
    </>
  );
}

function Radios({ id, legend, value, onChange, options }: { id: string; legend: string; value: string; onChange(value: string): void; options: [string, string][] }) {
  return (
    <div className="govuk-form-group">
      <fieldset className="govuk-fieldset">
        <legend className="govuk-fieldset__legend govuk-fieldset__legend--s">{legend}</legend>
        <div className="govuk-radios govuk-radios--small govuk-radios--inline" data-module="govuk-radios">
          {options.map(([option, words], index) => (
            <div className="govuk-radios__item" key={option}>
              <input className="govuk-radios__input" id={index === 0 ? id : `${id}-${option}`} name={id} type="radio" value={option} checked={value === option} onChange={() => onChange(option)} />
              <label className="govuk-label govuk-radios__label" htmlFor={index === 0 ? id : `${id}-${option}`}>
                {words}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
