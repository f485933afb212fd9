/**
 * The MASH decision's vocabulary, in one place: the outcomes a MASH can decide, and the default
 * local threshold levels with the outcomes consistent with each. A deployment sets its own levels
 * (`decision.levels` in the configuration, validated in gateway/config.ts); the outcomes are fixed.
 */

/** What the MASH decided should happen next (WT23: the referral decision within one working day). */
export const DECISION_OUTCOMES = ['nfa', 'signpost', 'early-help', 's17-assessment', 'strategy-discussion', 'police-action'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const OUTCOME_LABELS: Readonly<Record<DecisionOutcome, string>> = {
  nfa: 'No further action',
  signpost: 'Signpost to universal or community services',
  'early-help': 'Early help',
  's17-assessment': 'Child in need assessment (Children Act 1989 s17)',
  'strategy-discussion': 'Strategy discussion / child protection enquiry (Children Act 1989 s47)',
  'police-action': 'Police action',
};

/** One local threshold level ("continuum of need") and the outcomes a decision at that level may have. */
export interface ThresholdLevel {
  /** What a decision names, e.g. "4". */
  id: string;
  label: string;
  outcomes: DecisionOutcome[];
}

/**
 * The default levels (as many local safeguarding partnerships publish them). A decision whose
 * outcome its level does not list is refused: no further action at level 4 (child protection) is a
 * contradiction, as is a strategy discussion for universal needs.
 */
export const DEFAULT_THRESHOLD_LEVELS: readonly ThresholdLevel[] = [
  { id: '1', label: 'Level 1: universal', outcomes: ['nfa', 'signpost'] },
  { id: '2', label: 'Level 2: early help', outcomes: ['signpost', 'early-help'] },
  { id: '3', label: 'Level 3: child in need (s17)', outcomes: ['s17-assessment', 'police-action'] },
  { id: '4', label: 'Level 4: child protection (s47)', outcomes: ['strategy-discussion', 'police-action'] },
];

/** GraphQL enum names (NFA, S17_ASSESSMENT, ...) and back. */
export const outcomeEnum = (outcome: DecisionOutcome): string => outcome.toUpperCase().replace(/-/g, '_');
export const outcomeFromEnum = (name: string): DecisionOutcome | undefined => DECISION_OUTCOMES.find((o) => outcomeEnum(o) === name || o === name);
