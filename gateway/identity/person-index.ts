/**
 * An in-memory person index: the blocking keys of every record, so a query is scored against the
 * few records that share a key with it rather than against everyone. What an agency's person
 * search (or a gateway-side cache of one) needs to answer a fuzzy search fast.
 */
import { blockingRules } from './link.js';
import type { BlockingRule } from './blocking.js';
import { CompiledModel, DEFAULT_BANDS, type ModelParameters } from './model.js';
import { defaultModel } from './default-model.js';
import { normalisePerson } from './normalise.js';
import { scoreWithGuards } from './search.js';
import type { BandThresholds, NormalisedPerson, PairScore, PersonRecord } from './types.js';

export class PersonIndex {
  private readonly model: CompiledModel;
  private readonly rules: BlockingRule[];
  private readonly bands: BandThresholds;
  private readonly records: PersonRecord[] = [];
  private readonly persons: NormalisedPerson[] = [];
  /** Per rule, key -> record positions. */
  private readonly blocks: Map<string, number[]>[];

  constructor(options: { model?: ModelParameters; bands?: BandThresholds } = {}) {
    this.model = new CompiledModel(options.model ?? defaultModel());
    this.rules = blockingRules(this.model.systems);
    this.bands = options.bands ?? DEFAULT_BANDS;
    this.blocks = this.rules.map(() => new Map());
  }

  get size(): number {
    return this.records.length;
  }

  add(record: PersonRecord): void {
    const person = normalisePerson(record);
    const at = this.records.length;
    this.records.push(record);
    this.persons.push(person);
    this.rules.forEach((rule, r) => {
      const blocks = this.blocks[r]!;
      for (const key of new Set(rule.keys(person))) {
        const block = blocks.get(key);
        if (block) block.push(at);
        else blocks.set(key, [at]);
      }
    });
  }

  /** Records sharing a blocking key with the query, best first, scored. */
  search(query: PersonRecord, options: { limit?: number; maxBlock?: number } = {}): { record: PersonRecord; score: PairScore }[] {
    const q = normalisePerson(query);
    const maxBlock = options.maxBlock ?? 2_000;
    const seen = new Set<number>();
    this.rules.forEach((rule, r) => {
      for (const key of rule.keys(q)) {
        const block = this.blocks[r]!.get(key);
        if (!block || block.length > maxBlock) continue;
        for (const at of block) seen.add(at);
      }
    });
    const weighted: { at: number; weight: number }[] = [];
    const vector = new Int8Array(this.model.width);
    for (const at of seen) {
      const person = this.persons[at]!;
      this.model.vector(q, person, vector);
      weighted.push({ at, weight: this.model.weightOf(vector, q, person) });
    }
    weighted.sort((x, y) => y.weight - x.weight);
    return weighted.slice(0, options.limit ?? 10).map(({ at }) => ({ record: this.records[at]!, score: scoreWithGuards(this.model, q, this.persons[at]!, this.bands) }));
  }
}
