export { DECISIONS, type Decision, type PolicyDocument } from './schema.js';
export { DEFAULT_POLICY_PATH, PolicyError, loadPolicyFile, loadPolicyText, type LoadedPolicy } from './load.js';
export {
  DEFAULT_DENY,
  compileAbility,
  createAbilityCache,
  decide,
  type AccessContext,
  type CategoryDecision,
  type PolicyAbility,
} from './compile.js';
export { explain, ExplainError, type ExplainQuestion, type Explanation } from './explain.js';
export { POLICY_USAGE, runPolicyCommand, type PolicyCommandIo } from './cli.js';
export {
  describeScope,
  inScope,
  isSchoolDay,
  londonDate,
  previousSchoolDay,
  scopeStart,
  startOfLondonDay,
  type RecordScope,
  type SchoolCalendar,
  type ScopeSince,
} from './scope.js';
