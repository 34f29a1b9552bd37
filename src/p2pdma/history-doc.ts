/**
 * docs/p2pdma-history.md, generated from the history data (a test keeps the file equal to this).
 * Regenerate: `node --import tsx -e "import('./src/p2pdma/history-doc.ts').then(m => process.stdout.write(m.historyMarkdown()))" > docs/p2pdma-history.md`
 */
import { MAINLINE_RELEASES, P2PDMA_HISTORY, releaseText } from './history.js';
import { foldRuleSet } from './rulesets.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function historyMarkdown(): string {
  const out: string[] = [
    '# Kernel rule sets: the history of drivers/pci/p2pdma.c',
    '',
    '<!-- Generated from src/p2pdma/history.ts by src/p2pdma/history-doc.ts; do not edit by hand. -->',
    '',
    '`--rules linux-X.Y` (or `linux-X.Y.Z`) names any mainline release from v4.20, when p2pdma',
    "landed, to the newest below; by default the machine's own kernel release decides (a snapshot's",
    "/proc, `uname -r` live, a spec's `kernel.release`, hwloc's OSRelease), else the newest release.",
    'A rule set is the history folded up to its release. Before v4.20 is refused (no p2pdma); a',
    'release past the newest is answered with the newest rules and says so. Distribution kernels',
    '(RHEL-family, Ubuntu, Debian, SUSE, Fedora, Amazon Linux, Oracle UEK) get their mainline base,',
    'flagged, and `check` names the later change that would flip the pair (a backport may carry it).',
    '',
    '| first release | commit | subject | what it changes | read in |',
    '|---|---|---|---|---|',
  ];
  for (const e of P2PDMA_HISTORY) {
    const stable = (e.stable ?? [])
      .map(
        (s) =>
          ` (stable ${s.series.join('.')}.y${s.from === null ? ', point release unknown' : ` from .${s.from}`})`,
      )
      .join('');
    out.push(
      `| ${releaseText(e.release)} | ${e.commit ?? '—'} | ${cell(e.subject)} | ${cell(e.summary)}${stable} | ${cell(e.source)} |`,
    );
  }
  out.push(
    '',
    '## Each release folded',
    '',
    '| release | semantics | CPU rule | host bridge device | allowlist | warn line | cache | map type on miss | ACS list | ACS params |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of MAINLINE_RELEASES) {
    const s = foldRuleSet(r);
    out.push(
      `| ${s.name} | ${s.semantics} | ${s.cpuRule === 'amd-zen' ? `AMD ≥ 0x${s.cpuFamilyMin.toString(16)}` : 'none'} | ${s.hostBridgeDevice} | ${s.allowlist.length} | ${s.hostBridgeWarning ? 'yes' : 'no'} | ${s.mapTypeCache ? 'yes' : 'no'} | ${s.mapTypeOnMiss} | ${s.acsListBuffer === null ? 'page' : `${s.acsListBuffer} B`} | ${s.acsParams} |`,
    );
  }
  out.push(
    '',
    'Seen only outside mainline (not modelled): NVIDIA 10de:2f95–2f98 and Zhaoxin entries (topic and',
    'distribution trees), and an ACS Egress Control / ACPI HMAT rework of calc_map_type_and_dist.',
    '',
  );
  return out.join('\n');
}
