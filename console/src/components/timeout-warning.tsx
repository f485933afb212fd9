import { useEffect, useRef, useState } from 'react';
import { useSession } from '../session';

/**
 * The session timeout warning (the GOV.UK timeout-warning pattern): a modal dialog that takes
 * focus, says when the session ends and lets the user stay signed in. It counts down in whole
 * minutes for screen readers, not every second.
 */
export function TimeoutWarning() {
  const { warningUntil, staySignedIn, signOut } = useSession();
  const dialog = useRef<HTMLDialogElement>(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    const element = dialog.current;
    if (element === null) return;
    if (warningUntil !== undefined && !element.open) element.showModal();
    if (warningUntil === undefined && element.open) element.close();
  }, [warningUntil]);

  useEffect(() => {
    if (warningUntil === undefined) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [warningUntil]);

  const minutes = warningUntil === undefined ? 0 : Math.max(1, Math.ceil((warningUntil - now) / 60_000));
  return (
    <dialog ref={dialog} className="app-timeout-dialog" aria-labelledby="timeout-heading" aria-describedby="timeout-text" onCancel={(event) => { event.preventDefault(); staySignedIn(); }}>
      <h2 className="govuk-heading-m" id="timeout-heading">
        You will be signed out soon
      </h2>
      <p className="govuk-body" id="timeout-text" aria-live="polite">
        You have not done anything for a while. To protect the information you can see, you will be signed out in {minutes} {minutes === 1 ? 'minute' : 'minutes'}.
      </p>
      <div className="govuk-button-group">
        <button type="button" className="govuk-button" onClick={staySignedIn}>
          Stay signed in
        </button>
        <button type="button" className="govuk-button govuk-button--secondary" onClick={() => signOut('signed-out')}>
          Sign out
        </button>
      </div>
    </dialog>
  );
}
