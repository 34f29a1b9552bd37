/**
 * MMIO register files (doorbells, status words): registers at BAR offsets with a side effect per
 * write, and a write counter per register so scenarios can count who rang what.
 */
export type RegisterWidth = 4 | 8;

export interface RegisterDef {
  readonly name: string;
  readonly offset: bigint;
  readonly width: RegisterWidth;
  /** Runs after the value is stored (e.g. the device consumes a ring up to the new tail). */
  readonly onWrite?: (value: bigint, writer: string) => void;
}

interface Reg extends RegisterDef {
  value: bigint;
  writes: number;
}

export interface MmioWrite {
  readonly name: string;
  readonly value: bigint;
  readonly writer: string;
}

export class MmioRegisterFile {
  readonly name: string;
  readonly size: bigint;
  readonly #regs = new Map<bigint, Reg>();
  readonly #byName = new Map<string, Reg>();
  readonly log: MmioWrite[] = [];

  constructor(name: string, size: bigint) {
    this.name = name;
    this.size = size;
  }

  define(def: RegisterDef): this {
    if (def.offset < 0n || def.offset + BigInt(def.width) > this.size) {
      throw new RangeError(`${this.name}: register ${def.name} outside the register file`);
    }
    if (def.offset % BigInt(def.width) !== 0n) {
      throw new RangeError(`${this.name}: register ${def.name} is not naturally aligned`);
    }
    if (this.#regs.has(def.offset) || this.#byName.has(def.name)) {
      throw new RangeError(`${this.name}: register ${def.name} defined twice`);
    }
    const reg: Reg = { ...def, value: 0n, writes: 0 };
    this.#regs.set(def.offset, reg);
    this.#byName.set(def.name, reg);
    return this;
  }

  /** A write at `offset`; undefined offsets are ignored (as writes to reserved space). */
  write(offset: bigint, value: bigint, writer: string): boolean {
    const reg = this.#regs.get(offset);
    if (!reg) return false;
    const mask = (1n << BigInt(reg.width * 8)) - 1n;
    reg.value = value & mask;
    reg.writes++;
    this.log.push({ name: reg.name, value: reg.value, writer });
    reg.onWrite?.(reg.value, writer);
    return true;
  }

  /** Reads return the last written value; reserved space reads as all-ones (no device decode). */
  read(offset: bigint): bigint {
    const reg = this.#regs.get(offset);
    return reg ? reg.value : 0xffffffffn;
  }

  offsetOf(name: string): bigint {
    const reg = this.#byName.get(name);
    if (!reg) throw new RangeError(`${this.name}: no register ${name}`);
    return reg.offset;
  }

  writes(name: string): number {
    return this.#byName.get(name)?.writes ?? 0;
  }

  value(name: string): bigint {
    return this.#byName.get(name)?.value ?? 0n;
  }
}
