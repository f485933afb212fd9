import { usePageTitle } from '../../components/common';
import { ScreenLink } from '../../navigation';
import { useSession } from '../../session';
import { SCREENS } from '../index';

/** Where every user starts: who they are signed in as and the screens their roles open. */
export function HomeScreen() {
  usePageTitle('Home');
  const { user } = useSession();
  const mine = SCREENS.filter((screen) => screen.path !== '/' && screen.nav !== undefined && (screen.roles === 'any' || screen.roles.some((role) => user?.roles.includes(role))));
  return (
    <>
      <h1 className="govuk-heading-l">MASH console</h1>
      <p className="govuk-body-l">
        Signed in as {user?.name}, {user?.roles.join(', ')} ({user?.agency}).
      </p>
      {mine.length === 0 ? (
        <p className="govuk-body">There is nothing for your role in the console yet.</p>
      ) : (
        <ul className="govuk-list govuk-list--spaced">
          {mine.map((screen) => (
            <li key={screen.path}>
              <ScreenLink to={screen.path}>{screen.nav}</ScreenLink>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
