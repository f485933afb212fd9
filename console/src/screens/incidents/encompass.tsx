import { useId, useState } from 'react';
import { BackLink, DisclosedUnder, ErrorSummary, formatDate, formatDateTime, Loading, SuccessBanner, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { ConsoleEncompassNotificationQuery } from '../../gql/graphql';
import { ScreenLink, useNavigation } from '../../navigation';
import { MissingParams } from '../manager/forms';
import { TableWrap, who } from './words';

const ListQuery = graphql(`
  query ConsoleEncompassNotifications($unacknowledgedOnly: Boolean, $after: String) {
    encompassNotifications(unacknowledgedOnly: $unacknowledgedOnly, first: 50, after: $after) {
      endCursor
      hasNextPage
      items {
        id
        incidentAt
        sentAt
        dueBy
        schoolDay
        acknowledgedAt
      }
    }
  }
`);

/** One notification as the DSL reads it, and as acknowledging it answers. */
graphql(`
  fragment ConsoleEncompassNotificationDetail on EncompassNotification {
    id
    school
    schoolName
    keyAdult
    schoolDay
    dueBy
    sentAt
    fields {
      name
      label
      value
    }
    ruleId
    acknowledgedAt
    acknowledgedBy {
      id
      issuer
      name
      agency
    }
    auditEventId
  }
`);

const NotificationQuery = graphql(`
  query ConsoleEncompassNotification($id: ID!) {
    encompassNotification(id: $id) {
      ...ConsoleEncompassNotificationDetail
    }
  }
`);

const AcknowledgeMutation = graphql(`
  mutation ConsoleAcknowledgeEncompassNotification($id: ID!) {
    acknowledgeEncompassNotification(id: $id) {
      ...ConsoleEncompassNotificationDetail
    }
  }
`);

const EncompassPurposeQuery = graphql(`
  query ConsoleEncompassPurpose {
    purposes {
      id
      label
      legalBasis
    }
  }
`);

type Notification = ConsoleEncompassNotificationQuery['encompassNotification'];

/**
 * The school designated safeguarding lead's Operation Encompass notifications: sent to their school
 * (the school named in their sign-in), unacknowledged first. The list holds no content; each
 * notification is read on its own (an audited read) and acknowledged there.
 */
export function EncompassListScreen() {
  usePageTitle('Operation Encompass notifications');
  const [unacknowledgedOnly, setUnacknowledgedOnly] = useState(false);
  const [after, setAfter] = useState<string | undefined>(undefined);
  const list = useQuery(ListQuery, { unacknowledgedOnly, ...(after ? { after } : {}) });
  const page = list.data?.encompassNotifications;
  const items = page ? [...page.items.filter((item) => !item.acknowledgedAt), ...page.items.filter((item) => item.acknowledgedAt)] : [];
  const waiting = items.filter((item) => !item.acknowledgedAt).length;
  const bannerTitle = useId();

  return (
    <>
      <h1 className="govuk-heading-l">Operation Encompass notifications</h1>
      <p className="govuk-body">
        The police attended a domestic-abuse incident where a child on your school’s roll was present or lives. Read each notification before the school day it is for, and acknowledge it so the MASH
        knows you have it. Opening one is recorded in the audit log.
      </p>
      {waiting > 0 ? (
        <div className="govuk-notification-banner" role="region" aria-labelledby={bannerTitle} data-testid="encompass-waiting">
          <div className="govuk-notification-banner__header">
            <h2 className="govuk-notification-banner__title" id={bannerTitle}>
              Important
            </h2>
          </div>
          <div className="govuk-notification-banner__content">
            <p className="govuk-notification-banner__heading">
              {waiting} {waiting === 1 ? 'notification is' : 'notifications are'} waiting for you to read and acknowledge.
            </p>
          </div>
        </div>
      ) : null}
      <div className="govuk-checkboxes govuk-checkboxes--small govuk-!-margin-bottom-6">
        <div className="govuk-checkboxes__item">
          <input
            className="govuk-checkboxes__input"
            id="encompass-unacknowledged"
            type="checkbox"
            checked={unacknowledgedOnly}
            onChange={(event) => {
              setAfter(undefined);
              setUnacknowledgedOnly(event.target.checked);
            }}
          />
          <label className="govuk-label govuk-checkboxes__label" htmlFor="encompass-unacknowledged">
            Only those not yet acknowledged
          </label>
        </div>
      </div>
      {list.error ? <ErrorSummary error={list.error} /> : null}
      {list.loading && !page ? <Loading what="your school's notifications" /> : null}
      {page ? (
        items.length === 0 ? (
          <p className="govuk-body" role="status">
            {unacknowledgedOnly ? 'Every notification is acknowledged.' : 'Your school has no Operation Encompass notification.'}
          </p>
        ) : (
          <TableWrap label="Operation Encompass notifications">
            <table className="govuk-table" data-testid="encompass-list">
              <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">Operation Encompass notifications, not yet acknowledged first</caption>
              <thead className="govuk-table__head">
                <tr className="govuk-table__row">
                  <th scope="col" className="govuk-table__header">School day</th>
                  <th scope="col" className="govuk-table__header">Incident</th>
                  <th scope="col" className="govuk-table__header">Due by</th>
                  <th scope="col" className="govuk-table__header">Sent</th>
                  <th scope="col" className="govuk-table__header">Status</th>
                  <th scope="col" className="govuk-table__header">
                    <span className="govuk-visually-hidden">Open</span>
                  </th>
                </tr>
              </thead>
              <tbody className="govuk-table__body">
                {items.map((item) => (
                  <tr className="govuk-table__row" key={item.id} data-testid="encompass-row">
                    <td className="govuk-table__cell app-nowrap">{formatDate(item.schoolDay)}</td>
                    <td className="govuk-table__cell app-nowrap">{formatDateTime(item.incidentAt)}</td>
                    <td className="govuk-table__cell app-nowrap">{formatDateTime(item.dueBy)}</td>
                    <td className="govuk-table__cell app-nowrap">{formatDateTime(item.sentAt)}</td>
                    <td className="govuk-table__cell">
                      {item.acknowledgedAt ? <strong className="govuk-tag govuk-tag--green">Acknowledged</strong> : <strong className="govuk-tag govuk-tag--red">Not acknowledged</strong>}
                    </td>
                    <td className="govuk-table__cell">
                      <ScreenLink to="/encompass-notification" params={{ notificationId: item.id }}>
                        Read<span className="govuk-visually-hidden"> the notification for the school day {formatDate(item.schoolDay)}, sent {formatDateTime(item.sentAt)}</span>
                      </ScreenLink>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )
      ) : null}
      {page?.hasNextPage && page.endCursor ? (
        <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setAfter(page.endCursor ?? undefined)}>
          Older notifications
        </button>
      ) : null}
      {after ? (
        <button type="button" className="govuk-button govuk-button--secondary" onClick={() => setAfter(undefined)}>
          Newest notifications
        </button>
      ) : null}
    </>
  );
}

/**
 * A sent field as a person reads it: the incident's date and time and the child's date of birth as
 * dates in London (the API keeps ISO values), a record type in words. The value itself is unchanged.
 */
export function shownValue(field: { name: string; value: string }): string {
  if (field.name === 'start' && /^\d{4}-\d{2}-\d{2}T/.test(field.value)) return formatDateTime(field.value);
  if (field.name === 'birthDate' && /^\d{4}-\d{2}-\d{2}$/.test(field.value)) return formatDate(field.value);
  if (field.name === 'type') return field.value.charAt(0).toUpperCase() + field.value.slice(1).replace(/-/g, ' ');
  return field.value;
}

/** One notification, exactly as it was sent (the fields and their labels as the gateway gives them), and "Acknowledge". */
export function EncompassNotificationScreen() {
  usePageTitle('Operation Encompass notification');
  const { route } = useNavigation();
  const id = route.params.notificationId;
  const read = useQuery(NotificationQuery, { id: id ?? '' }, { skip: !id });
  const purposes = useQuery(EncompassPurposeQuery, {});
  const acknowledge = useMutation(AcknowledgeMutation);
  const [acknowledged, setAcknowledged] = useState<Notification | undefined>(undefined);
  const notification = acknowledged ?? read.data?.encompassNotification;
  const purpose = purposes.data?.purposes.find((candidate) => candidate.id === 'operation-encompass');

  if (!id) {
    return (
      <>
        <h1 className="govuk-heading-l">Operation Encompass notification</h1>
        <MissingParams what="notification" back={<ScreenLink to="/encompass">Go to your Operation Encompass notifications</ScreenLink>} />
      </>
    );
  }
  return (
    <>
      <BackLink to="/encompass">Back to the notifications</BackLink>
      <h1 className="govuk-heading-l">Operation Encompass notification</h1>
      {acknowledged ? <SuccessBanner heading="You have acknowledged this notification. The MASH will not chase it." /> : null}
      {read.error ? <ErrorSummary error={read.error} /> : null}
      {read.loading && !notification ? <Loading what="the notification" /> : null}
      {notification ? (
        <>
          <DisclosedUnder purpose={purpose ? `${purpose.label} (operation-encompass)` : 'operation-encompass'} legalBasis={purpose?.legalBasis ?? null} />
          <h2 className="govuk-heading-m">What the police shared</h2>
          <dl className="govuk-summary-list" data-testid="encompass-fields">
            {notification.fields.map((field) => (
              <div className="govuk-summary-list__row" key={field.name}>
                <dt className="govuk-summary-list__key">{field.label}</dt>
                <dd className="govuk-summary-list__value app-pre-wrap">{shownValue(field)}</dd>
              </div>
            ))}
          </dl>
          <h2 className="govuk-heading-m">Sent to</h2>
          <dl className="govuk-summary-list" data-testid="encompass-sent">
            {(
              [
                ['School', `${notification.schoolName} (${notification.school})`],
                ['Key adult', notification.keyAdult],
                ['School day', formatDate(notification.schoolDay)],
                ['Due by', formatDateTime(notification.dueBy)],
                ['Sent', formatDateTime(notification.sentAt)],
                ['Policy rule', notification.ruleId],
                ['Acknowledged', notification.acknowledgedAt ? `${formatDateTime(notification.acknowledgedAt)} by ${who(notification.acknowledgedBy)}` : 'Not yet'],
              ] as const
            ).map(([key, value]) => (
              <div className="govuk-summary-list__row" key={key}>
                <dt className="govuk-summary-list__key">{key}</dt>
                <dd className="govuk-summary-list__value" data-testid={key === 'Acknowledged' ? 'encompass-acknowledged' : undefined}>
                  {value}
                </dd>
              </div>
            ))}
          </dl>
          <p className="govuk-body-s">This reading is recorded in the audit log as event {notification.auditEventId}.</p>
          {acknowledge.error ? <ErrorSummary error={acknowledge.error} /> : null}
          {notification.acknowledgedAt ? null : (
            <button
              type="button"
              className="govuk-button"
              disabled={acknowledge.running}
              onClick={async () => {
                const answer = await acknowledge.run({ id });
                if (answer) setAcknowledged(answer.acknowledgeEncompassNotification);
              }}
            >
              Acknowledge
            </button>
          )}
        </>
      ) : null}
    </>
  );
}
