/**
 * What the kernel does when a rule is broken (spec §0.1):
 * - WARN / WARN_ON_ONCE / lockdep: print and continue → a recorded ProtocolViolation (strict mode
 *   throws instead, for tests that want to stop at the first one);
 * - BUG_ON: the kernel stops → a thrown KernelBug that aborts the simulated step.
 */
import type { RuleId } from './rule-ids.js';

/** `CHECK`: misuse the kernel does not detect (silent), flagged by the model's checking mode. */
export type ViolationKind = 'WARN' | 'WARN_ONCE' | 'LOCKDEP' | 'MIGHT_SLEEP' | 'CHECK';

export interface ProtocolViolation {
  readonly kind: ViolationKind;
  /** Stable identifier of the rule (one of `RULE`, e.g. `spec7.16`). */
  readonly rule: RuleId;
  readonly message: string;
  /** Monotonic sequence number within the recorder. */
  readonly seq: number;
}

export class KernelBug extends Error {
  override readonly name = 'KernelBug';
  readonly rule: RuleId;
  constructor(rule: RuleId, message: string) {
    super(`kernel BUG: ${message}`);
    this.rule = rule;
  }
}

export class StrictModeViolation extends Error {
  override readonly name = 'StrictModeViolation';
  readonly violation: ProtocolViolation;
  constructor(v: ProtocolViolation) {
    super(`${v.kind} ${v.rule}: ${v.message}`);
    this.violation = v;
  }
}

/** Observers of a ViolationLog (a Kernel copies events into its dmesg-style log). */
export interface ViolationListeners {
  /** Called for every recorded violation, before strict mode throws. */
  readonly onReport?: (v: ProtocolViolation) => void;
  /** Called for every BUG, before the KernelBug is thrown. */
  readonly onBug?: (rule: RuleId, message: string) => void;
}

/** Per-Kernel log of WARN-class events. `_ONCE` kinds fire once per rule. */
export class ViolationLog {
  readonly #list: ProtocolViolation[] = [];
  readonly #onceFired = new Set<string>();
  readonly #listeners: ViolationListeners;
  #seq = 0;
  strict: boolean;

  constructor(opts: { strict?: boolean } & ViolationListeners = {}) {
    this.strict = opts.strict ?? false;
    this.#listeners = opts;
  }

  /** Record a violation; returns it (or undefined when a _ONCE rule already fired). */
  report(kind: ViolationKind, rule: RuleId, message: string): ProtocolViolation | undefined {
    if (kind === 'WARN_ONCE') {
      if (this.#onceFired.has(rule)) return undefined;
      this.#onceFired.add(rule);
    }
    const v: ProtocolViolation = { kind, rule, message, seq: this.#seq++ };
    this.#list.push(v);
    this.#listeners.onReport?.(v);
    if (this.strict) throw new StrictModeViolation(v);
    return v;
  }

  bug(rule: RuleId, message: string): never {
    this.#listeners.onBug?.(rule, message);
    throw new KernelBug(rule, message);
  }

  get all(): readonly ProtocolViolation[] {
    return this.#list;
  }

  /** Violations recorded since `seq` (exclusive of earlier ones). */
  since(seq: number): ProtocolViolation[] {
    return this.#list.filter((v) => v.seq >= seq);
  }

  get nextSeq(): number {
    return this.#seq;
  }
}

/** The kernel log as data: lines such as `pci 0000:01:00.0: ACS redirect is set …`. */
export interface LogLine {
  readonly level: 'err' | 'warn' | 'notice' | 'info' | 'debug';
  readonly text: string;
}
