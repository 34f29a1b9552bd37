import { type CpuInfo, isKnown } from '../pci/types.js';
import type { RuleSet } from './rulesets.js';

const X86 = /^(x86_64|x86|i[3-6]86|amd64)$/;

/**
 * `cpu_supports_p2pdma()`: on x86, vendor AMD and family >= 0x17. Hygon is its own x86 vendor in
 * the kernel (not AMD), so it is refused. 'unknown' when the deciding facts are missing.
 */
export function cpuSupportsP2pdma(cpu: CpuInfo, rules: RuleSet): boolean | 'unknown' {
  if (rules.cpuRule === 'none') return false;
  if (isKnown(cpu.arch) && !X86.test(cpu.arch)) return false;
  if (!isKnown(cpu.vendor)) return 'unknown';
  if (cpu.vendor !== 'AuthenticAMD') return false;
  if (!isKnown(cpu.family)) return 'unknown';
  return cpu.family >= rules.cpuFamilyMin;
}
