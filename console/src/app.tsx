import { useEffect, useRef, useState } from 'react';
import { ErrorSummary, usePageTitle } from './components/common';
import { TimeoutWarning } from './components/timeout-warning';
import { ApiError } from './api';
import { NavigationProvider, ScreenLink, useNavigation } from './navigation';
import { SCREENS } from './screens';
import { SignInScreen } from './screens/common/sign-in';
import { SessionProvider, useSession, type ConsoleSettings } from './session';

/** The console: its settings from the gateway, then the signed-in shell or the sign-in page. */
export function App() {
  const [settings, setSettings] = useState<ConsoleSettings | undefined>(undefined);
  const [failed, setFailed] = useState<ApiError | undefined>(undefined);
  useEffect(() => {
    fetch('/console/settings', { cache: 'no-store' })
      .then(async (response) => {
        if (!response.ok) throw new ApiError(`The gateway answered ${response.status} for the console's settings.`, 'INTERNAL_ERROR', response.headers.get('x-request-id') ?? undefined);
        setSettings((await response.json()) as ConsoleSettings);
      })
      .catch((error: unknown) => setFailed(error instanceof ApiError ? error : new ApiError('The gateway could not be reached.', 'NETWORK_ERROR', undefined)));
  }, []);
  if (failed) {
    return (
      <Frame>
        <ErrorSummary error={failed} />
      </Frame>
    );
  }
  if (settings === undefined) return null;
  return (
    <SessionProvider settings={settings}>
      <NavigationProvider>
        <Shell />
      </NavigationProvider>
    </SessionProvider>
  );
}

function Frame({ children, navigation }: { children: React.ReactNode; navigation?: React.ReactNode }) {
  return (
    <>
      <a href="#main-content" className="govuk-skip-link" data-module="govuk-skip-link">
        Skip to main content
      </a>
      <header className="govuk-generic-header" role="banner">
        <div className="govuk-generic-header__container govuk-width-container">
          <div className="govuk-generic-header__logo">
            <a href="/" className="govuk-generic-header__homepage-link">
              Multi-Agency Safeguarding Hub
            </a>
          </div>
        </div>
      </header>
      {navigation}
      {children}
    </>
  );
}

function Shell() {
  const session = useSession();
  const { route, navigate } = useNavigation();
  const { user, settings } = session;
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After moving to another screen, focus goes to the page's content, as on a full page load.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus();
  }, [route]);

  const screen = SCREENS.find((candidate) => candidate.path === route.path);
  const allowed = screen !== undefined && user !== undefined && (screen.roles === 'any' || screen.roles.some((role) => user.roles.includes(role)));
  const navItems = user === undefined ? [] : SCREENS.filter((candidate) => candidate.nav !== undefined && (candidate.roles === 'any' || candidate.roles.some((role) => user.roles.includes(role))));

  const navigation = (
    <section className="govuk-service-navigation" aria-label="Service information" data-module="govuk-service-navigation">
      <div className="govuk-width-container">
        <div className="govuk-service-navigation__container">
          <span className="govuk-service-navigation__service-name">
            <span className="govuk-service-navigation__text">MASH console</span>
          </span>
          {user !== undefined ? (
            <nav aria-label="Menu" className="govuk-service-navigation__wrapper">
              <ul className="govuk-service-navigation__list" id="navigation">
                {navItems.map((item) => {
                  const current = item.path === route.path;
                  return (
                    <li key={item.path} className={`govuk-service-navigation__item${current ? ' govuk-service-navigation__item--active' : ''}`}>
                      <ScreenLink to={item.path} className="govuk-service-navigation__link">
                        {current ? <strong className="govuk-service-navigation__active-fallback">{item.nav}</strong> : item.nav}
                      </ScreenLink>
                    </li>
                  );
                })}
                <li className="govuk-service-navigation__item">
                  <a
                    href="/"
                    className="govuk-service-navigation__link"
                    onClick={(event) => {
                      event.preventDefault();
                      session.signOut('signed-out');
                      navigate('/');
                    }}
                  >
                    Sign out<span className="govuk-visually-hidden"> {user.name}</span>
                  </a>
                </li>
              </ul>
            </nav>
          ) : null}
        </div>
      </div>
    </section>
  );

  return (
    <Frame navigation={navigation}>
      <div className="govuk-width-container">
        {settings.mode === 'development' ? (
          <div className="govuk-phase-banner">
            <p className="govuk-phase-banner__content">
              <strong className="govuk-tag govuk-phase-banner__content__tag">Sandbox</strong>
              <span className="govuk-phase-banner__text">Development mode: synthetic county, demo sign-in. Not for real cases.</span>
            </p>
          </div>
        ) : null}
        <main className="govuk-main-wrapper" id="main-content" tabIndex={-1} ref={main}>
          {user === undefined ? <SignInScreen /> : screen === undefined ? <NotFound /> : allowed ? <screen.Component key={route.path} /> : <NotYours roles={screen.roles as readonly string[]} />}
        </main>
      </div>
      {user !== undefined ? <TimeoutWarning /> : null}
      <footer className="govuk-footer">
        <div className="govuk-width-container">
          <div className="govuk-footer__meta">
            <div className="govuk-footer__meta-item govuk-footer__meta-item--grow">
              <p className="govuk-body-s govuk-!-margin-bottom-0">
                Every access is recorded with who, when and why. Share only what is necessary and proportionate for the enquiry's purpose.
              </p>
            </div>
          </div>
        </div>
      </footer>
    </Frame>
  );
}

function NotFound() {
  usePageTitle('Page not found');
  return (
    <>
      <h1 className="govuk-heading-l">Page not found</h1>
      <p className="govuk-body">
        There is no such screen. Go to the <ScreenLink to="/">home page</ScreenLink>.
      </p>
    </>
  );
}

function NotYours({ roles }: { roles: readonly string[] }) {
  usePageTitle('You cannot use this screen');
  return (
    <>
      <h1 className="govuk-heading-l">You cannot use this screen</h1>
      <p className="govuk-body">This screen is for the roles: {roles.join(', ')}. Your sign-in does not have them.</p>
      <p className="govuk-body">
        Go to the <ScreenLink to="/">home page</ScreenLink> for the screens you can use.
      </p>
    </>
  );
}
