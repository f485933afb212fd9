/**
 * Query-mode matching for `searchPeople`: score every agency's candidate against what the
 * researcher asked, keep those at least a possible match, and group the ones that are one person.
 * Grouping never chains: a candidate joins a group only if it is a match for the group's best
 * record and contradicts no member (cannot-link guards, evidence against).
 */
import { cannotLink, mayBeOnePerson } from './cluster.js';
import { CompiledModel, DEFAULT_BANDS, bandOf, probabilityOf, type ModelParameters } from './model.js';
import { defaultModel } from './default-model.js';
import { normalisePerson } from './normalise.js';
import type { Band, BandThresholds, NormalisedPerson, PairScore, PersonRecord } from './types.js';

export { DEFAULT_BANDS };

export interface SearchCandidate {
  agency: string;
  personId: string;
  record: PersonRecord;
}

export interface CandidateMatch {
  agency: string;
  personId: string;
  /** The candidate against the query. */
  score: PairScore;
}

export interface PersonMatchGroup {
  /** "P1", "P2"... best first; stable within one answer only. */
  key: string;
  band: Band | null;
  probability: number;
  /** Best first. */
  members: CandidateMatch[];
}

export interface RankResult {
  /** Only candidates at or above the `possible` band. */
  groups: PersonMatchGroup[];
  belowThreshold: CandidateMatch[];
  /** What in the query could not be used (an invalid NHS number, an impossible date). */
  queryProblems: string[];
}

export interface IdentityMatcher {
  readonly bands: BandThresholds;
  readonly model: CompiledModel;
  rank(query: PersonRecord, candidates: readonly SearchCandidate[]): RankResult;
  /** One pair, as the researcher sees it. */
  score(a: PersonRecord, b: PersonRecord): PairScore;
}

export function validateBands(bands: BandThresholds): void {
  const { certain, probable, possible } = bands;
  for (const [name, value] of Object.entries(bands)) {
    if (!(value > 0 && value <= 1)) throw new Error(`Match band threshold "${name}" must be above 0 and at most 1 (got ${value}).`);
  }
  if (!(certain >= probable && probable >= possible)) {
    throw new Error(`Match band thresholds must descend: certain (${certain}) >= probable (${probable}) >= possible (${possible}).`);
  }
}

/** Caps a score whose pair carries a cannot-link guard at `possible`, saying why. */
export function scoreWithGuards(model: CompiledModel, a: NormalisedPerson, b: NormalisedPerson, bands: BandThresholds): PairScore {
  const vector = model.vector(a, b);
  const score = model.score(a, b, bands, vector);
  const caution = cannotLink(vector, model.systems);
  if (caution === null) return score;
  const band = score.band === null ? null : 'possible';
  return { ...score, band, caution };
}

export function createMatcher(options: { bands?: Partial<BandThresholds>; model?: ModelParameters } = {}): IdentityMatcher {
  const bands: BandThresholds = { ...DEFAULT_BANDS, ...options.bands };
  validateBands(bands);
  const model = new CompiledModel(options.model ?? defaultModel());

  return {
    bands,
    model,
    score: (a, b) => scoreWithGuards(model, normalisePerson(a), normalisePerson(b), bands),
    rank(query, candidates) {
      const q = normalisePerson(query);
      const scored = candidates.map((c) => {
        const person = normalisePerson(c.record);
        return { candidate: c, person, score: scoreWithGuards(model, q, person, bands) };
      });
      scored.sort((x, y) => y.score.weight - x.score.weight);
      const kept = scored.filter((s) => s.score.band !== null);
      const below = scored.filter((s) => s.score.band === null);
      const groups: (typeof kept)[] = [];
      const scratch = new Int8Array(model.width);
      for (const s of kept) {
        const home = groups.find((g) => {
          const best = g[0]!.person;
          const withBest = probabilityOf(model.weightOf(model.vector(best, s.person, scratch), best, s.person));
          if (bandOf(withBest, bands) === null) return false;
          return g.every((m) => mayBeOnePerson(model, m.person, s.person, scratch));
        });
        if (home) home.push(s);
        else groups.push([s]);
      }
      const match = (s: (typeof kept)[number]): CandidateMatch => ({ agency: s.candidate.agency, personId: s.candidate.personId, score: s.score });
      return {
        groups: groups.map((g, i) => ({ key: `P${i + 1}`, band: g[0]!.score.band, probability: g[0]!.score.probability, members: g.map(match) })),
        belowThreshold: below.map(match),
        queryProblems: q.problems,
      };
    },
  };
}
