import { ROLES, type ScreenDefinition } from '../registry';
import { AccessLogScreen } from './access-log';
import { AnomaliesScreen } from './anomalies';
import { AuditIntegrityScreen } from './audit';
import { PolicyExplainScreen } from './policy-explain';
import { SubjectAccessScreen } from './subject-access';

const IG = [ROLES.ig] as const;

/** The information-governance officer's screens. */
export const igScreens: ScreenDefinition[] = [
  { path: '/access-log', title: 'Access log', roles: IG, nav: 'Access log', Component: AccessLogScreen },
  { path: '/subject-access', title: 'Subject access', roles: IG, nav: 'Subject access', Component: SubjectAccessScreen },
  { path: '/anomalies', title: 'Anomalies', roles: IG, nav: 'Anomalies', Component: AnomaliesScreen },
  { path: '/audit', title: 'Audit log integrity', roles: IG, nav: 'Audit log integrity', Component: AuditIntegrityScreen },
  { path: '/policy-explain', title: 'Policy explain', roles: IG, nav: 'Policy explain', Component: PolicyExplainScreen },
];
