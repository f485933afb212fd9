import { useState } from 'react';
import { ErrorSummary, formatDateTime, Loading, useMutation, usePageTitle, useQuery } from '../../components/common';
import { graphql } from '../../gql';
import type { InboxQuery } from '../../gql/graphql';
import { ScreenLink } from '../../navigation';
import { useSession } from '../../session';
import { SCREENS } from '../index';

const InboxQuery = graphql(`
  query Inbox($after: String) {
    notifications(first: 50, after: $after) {
      endCursor
      hasNextPage
      notifications {
        id
        kind
        text
        enquiryId
        referralReference
        reviewRequestId
        createdAt
        readAt
        addressedTo
      }
    }
  }
`);

const MarkReadMutation = graphql(`
  mutation InboxMarkRead($ids: [ID!]!) {
    markNotificationsRead(ids: $ids)
  }
`);

type Item = InboxQuery['notifications']['notifications'][number];

/** Each kind in words. */
const KINDS: Record<string, string> = {
  REVIEW_REQUESTED: 'Review requested',
  REVIEW_DECIDED: 'Review decided',
  ENQUIRY_ASSIGNED: 'Enquiry assigned to you',
  DEADLINE_NEAR: 'Deadline near',
  BREAK_GLASS: 'Break-glass enquiry opened',
  BREAK_GLASS_REVIEW_DUE: 'Break-glass review due',
  ENCOMPASS_NOTIFICATION: 'Operation Encompass notification',
  ENCOMPASS_EXCEPTION: 'Operation Encompass exception',
};

/** Where each kind is worked, and what the screen needs (only ids, kept in memory). */
const TARGETS: Record<string, { path: string; label: string; params?: (item: Item) => Record<string, string> | undefined }> = {
  REVIEW_REQUESTED: { path: '/reviews', label: 'Go to review requests' },
  REVIEW_DECIDED: { path: '/enquiry', label: 'Open the enquiry', params: (item) => (item.enquiryId ? { enquiryId: item.enquiryId } : undefined) },
  ENQUIRY_ASSIGNED: { path: '/enquiry', label: 'Open the enquiry', params: (item) => (item.enquiryId ? { enquiryId: item.enquiryId } : undefined) },
  DEADLINE_NEAR: { path: '/enquiry', label: 'Open the enquiry', params: (item) => (item.enquiryId ? { enquiryId: item.enquiryId } : undefined) },
  BREAK_GLASS: { path: '/break-glass', label: 'Go to break-glass reviews' },
  BREAK_GLASS_REVIEW_DUE: { path: '/break-glass', label: 'Go to break-glass reviews' },
  ENCOMPASS_NOTIFICATION: { path: '/encompass', label: 'Go to your Operation Encompass notifications' },
  ENCOMPASS_EXCEPTION: { path: '/encompass-exceptions', label: 'Go to Operation Encompass exceptions' },
};

/** The caller's notifications: unread first, then newest first; each links to where it is worked. */
export function NotificationsScreen() {
  usePageTitle('Notifications');
  const { hasRole } = useSession();
  const [after, setAfter] = useState<string | undefined>(undefined);
  const inbox = useQuery(InboxQuery, after ? { after } : {});
  const mark = useMutation(MarkReadMutation);
  const page = inbox.data?.notifications;
  const items = page ? [...page.notifications.filter((n) => !n.readAt), ...page.notifications.filter((n) => n.readAt)] : [];
  const unread = items.filter((n) => !n.readAt);

  const target = (item: Item) => {
    const t = TARGETS[item.kind];
    if (!t) return undefined;
    const screen = SCREENS.find((s) => s.path === t.path);
    if (!screen || (screen.roles !== 'any' && !hasRole(...screen.roles))) return undefined;
    const params = t.params ? t.params(item) : {};
    return params === undefined ? undefined : { ...t, params };
  };

  const markRead = async (ids: string[]) => {
    if (await mark.run({ ids })) inbox.reload();
  };

  return (
    <>
      <h1 className="govuk-heading-l">Notifications</h1>
      {mark.error ? <ErrorSummary error={mark.error} /> : null}
      {inbox.error ? <ErrorSummary error={inbox.error} /> : null}
      {inbox.loading && !page ? <Loading what="your notifications" /> : null}
      {page ? (
        <>
          <p className="govuk-body" role="status">
            {items.length === 0 ? 'You have no notifications.' : unread.length === 0 ? 'Everything here is read.' : `${unread.length} unread ${unread.length === 1 ? 'notification' : 'notifications'}, shown first.`}
          </p>
          {unread.length > 1 ? (
            <button type="button" className="govuk-button govuk-button--secondary" disabled={mark.running} onClick={() => markRead(unread.map((n) => n.id))}>
              Mark all as read
            </button>
          ) : null}
          {items.length > 0 ? (
            <ul className="govuk-list app-inbox" data-testid="inbox">
              {items.map((item) => {
                const to = target(item);
                return (
                  <li key={item.id} className={`app-inbox__item${item.readAt ? '' : ' app-inbox__item--unread'}`} data-testid="notification">
                    <p className="govuk-body govuk-!-margin-bottom-1">
                      {item.readAt ? <strong className="govuk-tag govuk-tag--grey">Read</strong> : <strong className="govuk-tag govuk-tag--blue">Unread</strong>} <strong>{KINDS[item.kind] ?? item.kind}</strong>
                      {item.addressedTo === 'TEAM' ? <span className="govuk-body-s"> · to your team</span> : null}
                    </p>
                    <p className="govuk-body govuk-!-margin-bottom-1">{item.text}</p>
                    <p className="govuk-body-s govuk-!-margin-bottom-2">{formatDateTime(item.createdAt)}</p>
                    <div className="app-actions">
                      {to ? (
                        <ScreenLink to={to.path} params={to.params}>
                          {to.label}
                          {item.referralReference ? <span className="govuk-visually-hidden"> ({item.referralReference})</span> : null}
                        </ScreenLink>
                      ) : null}
                      {!item.readAt ? (
                        <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" disabled={mark.running} onClick={() => markRead([item.id])}>
                          Mark as read<span className="govuk-visually-hidden">: {KINDS[item.kind] ?? item.kind}{item.referralReference ? ` ${item.referralReference}` : ''}</span>
                        </button>
                      ) : null}
                    </div>
                  </li>
                );
              })}
            </ul>
          ) : null}
          {page.hasNextPage && page.endCursor ? (
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
      ) : null}
    </>
  );
}
