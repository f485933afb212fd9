import { graphql } from '../gql';
import { ScreenLink } from '../navigation';
import { ENQUIRY_TASKS } from '../screens/researcher/enquiry-tasks';
import { ErrorSummary, Loading, useQuery } from './common';

const EnquirySubjectsQuery = graphql(`
  query ConsoleEnquirySubjects($id: ID!) {
    enquiry(id: $id) {
      id
      subjects {
        id
        label
        relation
      }
    }
  }
`);

/**
 * The work on one enquiry as a GOV.UK task list: the enquiry's own tasks, then each subject's.
 * Subjects are named by the label the enquiry gives them ("Child 1"), never by name.
 */
export function EnquiryTaskList({ enquiryId }: { enquiryId: string }) {
  const enquiry = useQuery(EnquirySubjectsQuery, { id: enquiryId });
  if (enquiry.error) return <ErrorSummary error={enquiry.error} />;
  if (enquiry.data === undefined) return <Loading what="the enquiry's tasks" />;
  const subjects = enquiry.data.enquiry.subjects;
  const item = (path: string, label: string, hint: string, params: Record<string, string>, key: string) => (
    <li className="govuk-task-list__item govuk-task-list__item--with-link" key={key}>
      <div className="govuk-task-list__name-and-hint">
        <ScreenLink to={path} params={params} className="govuk-link govuk-task-list__link">
          {label}
        </ScreenLink>
        <div className="govuk-task-list__hint">{hint}</div>
      </div>
    </li>
  );
  return (
    <>
      <h2 className="govuk-heading-m">The enquiry</h2>
      <ul className="govuk-task-list">
        {ENQUIRY_TASKS.filter((task) => !task.perSubject).map((task) => item(task.path, task.label, task.hint, { enquiryId }, task.path))}
      </ul>
      {subjects.map((subject, index) => (
        <section key={subject.id} aria-labelledby={`subject-${subject.id}`}>
          <h2 className="govuk-heading-m" id={`subject-${subject.id}`}>
            {subject.label ?? `Subject ${index + 1}`} <span className="govuk-caption-m">{subject.relation.toLowerCase().replace(/_/g, ' ')}</span>
          </h2>
          <ul className="govuk-task-list">
            {ENQUIRY_TASKS.filter((task) => task.perSubject).map((task) => item(task.path, task.label, task.hint, { enquiryId, subjectId: subject.id }, `${subject.id}${task.path}`))}
          </ul>
        </section>
      ))}
    </>
  );
}
