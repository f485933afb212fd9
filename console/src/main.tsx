import { createRoot } from 'react-dom/client';
import { App } from './app';
import './styles.scss';

// GOV.UK Frontend styles some components differently once scripts run; set here, not inline,
// because the content security policy allows no inline script.
document.body.classList.add('js-enabled', 'govuk-frontend-supported');

createRoot(document.getElementById('app')!).render(<App />);
