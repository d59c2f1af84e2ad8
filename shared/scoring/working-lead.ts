import type { WindowEntries } from './caps.ts';
import { addPoints, advancePool, copyPool, EMPTY_POOL, type MutablePool } from './decay.ts';
import { type FastTrack, HISTORY_LIMIT, thresholdState, totalWith } from './evaluate.ts';
import type { CompiledModel } from './model.ts';
import type {
  EventKey,
  HistoryEntry,
  LeadState,
  Lifecycle,
  Profile,
  Reported,
  RuleTally,
  ThresholdState,
} from './types.ts';

/** A rule's tally while a fold owns it (same keys, in the same order, as a stored one). */
export type MutableTally = { -readonly [K in keyof RuleTally]: RuleTally[K] };

type Entries = (readonly [number, number])[];

/**
 * A lead's state while one fold owns it: the same fields as `LeadState`, with the parts every
 * event touches kept mutable and laid out by the model's slots (`CompiledModel.ruleIds` and
 * `windowKeys`), so folding an event updates them in place instead of building a new state.
 * Loading copies what the fold may change; `freeze` hands the parts over as a `LeadState`
 * (plain JSON, as stored) once, at the end of the fold, after which the working lead is not
 * used again (or is loaded afresh: see `snapshot`).
 *
 * Tallies and windows of ids the model does not have (a state stored under an older model) take
 * slots after the model's, so they are kept, in their order, as the stored record had them.
 */
export class WorkingLead {
  // Every field is set by `load` (no defaults: a working lead is made per fold).
  leadId!: string;
  modelVersion!: string;
  profile!: Profile;
  trustedFields!: readonly string[];
  fit!: LeadState['fit'];
  source!: LeadState['source'];
  predictive!: LeadState['predictive'];
  disqualified!: LeadState['disqualified'];
  lifecycle!: Lifecycle;
  reached!: LeadState['reached'];
  outcomes!: LeadState['outcomes'];
  eventCount!: number;
  /** The newest event folded: its time and id (`lastId` null before the first). */
  lastAt!: number;
  lastId!: string | null;
  pool!: MutablePool;
  /** Tallies by slot: `tallies[i]` is rule `tallyIds[i]`'s, owned by this lead. */
  tallyIds!: readonly string[];
  tallies!: (MutableTally | undefined)[];
  /** Cap windows by slot, as tallies; the arrays are owned (their entries are immutable). */
  windowKeys!: readonly string[];
  windows!: (Entries | undefined)[];
  /**
   * Threshold states by the slots of `model.thresholds` (`thresholdState`'s default for one
   * the lead has no state for); the states themselves are immutable. `thresholdNames` is the
   * stored record's key order, names of thresholds the model does not have included.
   */
  thresholds!: ThresholdState[];
  private thresholdNames!: string[];
  private storedThresholds!: LeadState['thresholds'];
  reported!: Reported;
  private history!: HistoryEntry[];
  private historyAppended!: boolean;
  /**
   * The pool decayed to `decayed.at` by the last `totalAt`, while the pool has not changed
   * since (`decayedValid`): decaying the pool to that instant is then a copy.
   */
  private readonly decayed: MutablePool = copyPool(EMPTY_POOL);
  private decayedValid = false;
  /** The fast tracks the current event earned (cleared for each event). */
  readonly fastTracks: FastTrack[] = [];

  constructor(state: LeadState, model: CompiledModel) {
    this.load(state, model);
  }

  /** Makes this the working copy of `state`: copies of what a fold changes, the rest shared. */
  load(state: LeadState, model: CompiledModel): void {
    this.leadId = state.leadId;
    this.modelVersion = state.modelVersion;
    this.profile = state.profile;
    this.trustedFields = state.trustedFields;
    this.fit = state.fit;
    this.source = state.source;
    this.predictive = state.predictive;
    this.disqualified = state.disqualified;
    this.lifecycle = state.lifecycle;
    this.reached = state.reached;
    this.outcomes = state.outcomes;
    this.eventCount = state.eventCount;
    this.lastAt = state.last?.at ?? 0;
    this.lastId = state.last?.id ?? null;
    this.pool = copyPool(state.pool);
    this.decayedValid = false;
    const tallies = bySlotOf(state.tallies, model.ruleIds, copyTally);
    this.tallyIds = tallies.keys;
    this.tallies = tallies.values;
    const windows = bySlotOf(state.windows, model.windowKeys, copyEntries);
    this.windowKeys = windows.keys;
    this.windows = windows.values;
    this.thresholds = model.thresholds.map((threshold) => thresholdState(state.thresholds, threshold.name));
    this.thresholdNames = Object.keys(state.thresholds);
    this.storedThresholds = state.thresholds;
    this.reported = state.reported;
    this.history = state.history.slice();
    this.historyAppended = false;
  }

  /** The tally of a slot, created empty if the rule never fired. */
  tallyFor(slot: number): MutableTally {
    let tally = this.tallies[slot];
    if (tally === undefined) {
      tally = { count: 0, awarded: 0, bonus: 0, capped: 0, pos: 0, neg: 0 };
      this.tallies[slot] = tally;
    }
    return tally;
  }

  /** The entries of a cap window, created empty if nothing counted against it yet. */
  windowFor(slot: number): Entries {
    let entries = this.windows[slot];
    if (entries === undefined) {
      entries = [];
      this.windows[slot] = entries;
    }
    return entries;
  }

  /**
   * Every rule's share brought to its live value and the scales reset to 1 (rare: see
   * MIN_SCALE in decay.ts).
   */
  renormalise(): void {
    const { posScale, negScale } = this.pool;
    for (const tally of this.tallies) {
      if (tally === undefined) continue;
      tally.pos *= posScale;
      tally.neg *= negScale;
    }
    this.pool.posScale = 1;
    this.pool.negScale = 1;
    this.decayedValid = false;
  }

  /** The lead's total score at `t` (not before its pool's time), without changing the lead. */
  totalAt(model: CompiledModel, t: number): number {
    const pool = this.pool;
    if (t <= pool.at) return totalWith(this, pool, model);
    const decayed = this.decayed;
    decayed.pos = pool.pos;
    decayed.neg = pool.neg;
    decayed.at = pool.at;
    decayed.lastActivity = pool.lastActivity;
    decayed.posScale = pool.posScale;
    decayed.negScale = pool.negScale;
    advancePool(decayed, model, t);
    this.decayedValid = true;
    return totalWith(this, decayed, model);
  }

  /**
   * Decays the pool to `t` in place (see `advancePool`), reusing what `totalAt(t)` computed if
   * the pool has not changed since. The caller changes the pool only after this.
   */
  decayPoolTo(model: CompiledModel, t: number): void {
    const pool = this.pool;
    const decayed = this.decayed;
    if (this.decayedValid && decayed.at === t && t > pool.at) {
      pool.pos = decayed.pos;
      pool.neg = decayed.neg;
      pool.at = decayed.at;
      pool.posScale = decayed.posScale;
      pool.negScale = decayed.negScale;
    } else {
      advancePool(pool, model, t);
    }
    this.decayedValid = false;
  }

  /** Sets the state of the model's threshold in `slot`. */
  setThreshold(model: CompiledModel, slot: number, state: ThresholdState): void {
    this.thresholds[slot] = state;
    const name = model.thresholds[slot]!.name;
    if (!this.thresholdNames.includes(name)) this.thresholdNames.push(name);
  }

  /** The threshold states as a record, in the stored key order (new names last). */
  private thresholdRecord(model: CompiledModel): Record<string, ThresholdState> {
    const record: Record<string, ThresholdState> = {};
    for (const name of this.thresholdNames) {
      const slot = model.thresholds.findIndex((threshold) => threshold.name === name);
      record[name] = slot < 0 ? this.storedThresholds[name]! : this.thresholds[slot]!;
    }
    return record;
  }

  /** Adds an award to the pool (see `addPoints`); returns the share it adds to its rule. */
  addToPool(model: CompiledModel, points: number, t: number, activity: boolean): number {
    this.decayedValid = false;
    return addPoints(this.pool, model, points, t, activity);
  }

  /** Adds an entry to the audit trail, which keeps the last HISTORY_LIMIT. */
  appendHistory(entry: HistoryEntry): void {
    const history = this.history;
    history.push(entry);
    if (history.length >= 2 * HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
    this.historyAppended = true;
  }

  /**
   * The lead as a `LeadState` (plain JSON, as stored): records are laid out in the model's key
   * order, as every state the engine returns. The parts are handed over, not copied: the
   * working lead must not be changed afterwards unless it is loaded again.
   */
  freeze(model: CompiledModel): LeadState {
    const history = this.history;
    return {
      leadId: this.leadId,
      modelVersion: this.modelVersion,
      profile: this.profile,
      trustedFields: this.trustedFields,
      fit: this.fit,
      source: this.source,
      pool: this.pool,
      predictive: this.predictive,
      tallies: bySlot(model.talliesTemplate, this.tallyIds, this.tallies),
      windows: bySlot(model.windowsTemplate, this.windowKeys, this.windows),
      thresholds: this.thresholdRecord(model),
      disqualified: this.disqualified,
      lifecycle: this.lifecycle,
      reached: this.reached,
      outcomes: this.outcomes,
      eventCount: this.eventCount,
      last: this.lastId === null ? null : ({ at: this.lastAt, id: this.lastId } satisfies EventKey),
      history:
        this.historyAppended && history.length > HISTORY_LIMIT
          ? history.slice(history.length - HISTORY_LIMIT)
          : history,
      reported: this.reported,
    };
  }

  /** The lead as it stands, as a `LeadState`, while the fold goes on (rare: outcome events). */
  snapshot(model: CompiledModel): LeadState {
    const state = this.freeze(model);
    this.load(state, model);
    return state;
  }
}

/**
 * A stored record's values by slot (`keys`: the model's, then any others the record has, in its
 * order), each copied: O(keys present), so a new lead's empty records cost nothing.
 */
function bySlotOf<T, C>(
  stored: Readonly<Record<string, T>>,
  modelKeys: readonly string[],
  copy: (value: T) => C,
): { keys: readonly string[]; values: (C | undefined)[] } {
  let keys = modelKeys;
  const values: (C | undefined)[] = new Array(modelKeys.length).fill(undefined);
  for (const key in stored) {
    const value = stored[key];
    if (value === undefined) continue;
    let slot = modelKeys.indexOf(key);
    if (slot < 0) {
      if (keys === modelKeys) keys = [...modelKeys];
      slot = (keys as string[]).push(key) - 1;
    }
    values[slot] = copy(value);
  }
  return { keys, values };
}

const copyEntries = (entries: WindowEntries): Entries => entries.slice();

function copyTally(tally: RuleTally): MutableTally {
  const copy: MutableTally = {
    count: tally.count,
    awarded: tally.awarded,
    bonus: tally.bonus,
    capped: tally.capped,
    pos: tally.pos,
    neg: tally.neg,
  };
  if (tally.lastAwardAt !== undefined) copy.lastAwardAt = tally.lastAwardAt;
  return copy;
}

/** A record of the slots' values, in the template's key order, then any extra keys. */
function bySlot<T>(
  template: Readonly<Record<string, undefined>>,
  keys: readonly string[],
  values: readonly (T | undefined)[],
): Record<string, T> {
  const record = { ...template } as Record<string, T>;
  for (let slot = 0; slot < keys.length; slot++) {
    const value = values[slot];
    if (value !== undefined) record[keys[slot]!] = value;
  }
  return record;
}
