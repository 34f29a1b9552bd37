/** The selected pair: verdict, reasons, fix, kernel log, the route on the tree, and the kernel slider. */
import { useMemo } from 'preact/hooks';
import type { CheckRecord } from '../../src/app/check.js';
import { factText, hintText, issueText, renderRoute } from '../../src/report/p2p.js';
import {
  acrossRules,
  type Judged,
  pairRecord,
  rulesByVersion,
  runsOf,
  sliderStop,
} from '../../src/web/judge.js';

export function recordOf(j: Judged, pair: readonly [string, string] | null): CheckRecord | null {
  if (pair === null) return null;
  try {
    return pairRecord(j, pair[0], pair[1]);
  } catch {
    return null;
  }
}

export interface RouteProps {
  readonly judged: Judged;
  readonly pair: readonly [string, string] | null;
  readonly record: CheckRecord | null;
  readonly onRules: (name: string) => void;
}

export function RouteView(p: RouteProps) {
  const ordered = rulesByVersion();
  const across = useMemo(
    () => (p.pair && p.record ? acrossRules(p.judged, p.pair[0], p.pair[1]) : []),
    [p.judged, p.pair, p.record],
  );
  const runs = runsOf(across);
  // The stop of the rules the pair was judged with (the machine's kernel, or the one chosen).
  const idx = sliderStop(p.judged.env.rules, ordered);
  const slider = (
    <fieldset class="kernel">
      <legend>Kernel version (rule set)</legend>
      <input
        type="range"
        min={0}
        max={ordered.length - 1}
        step={1}
        value={idx}
        aria-label="kernel rule set"
        aria-valuetext={ordered[idx]?.name}
        onInput={(e) => p.onRules(ordered[Number((e.target as HTMLInputElement).value)]!.name)}
      />
      <p class="current-release" data-testid="release">
        <b>{ordered[idx]?.name}</b>
        {across[idx] ? (
          <span class={`mt ${across[idx].mapType.split(' ')[0]}`}> {across[idx].mapType}</span>
        ) : null}
      </p>
      <ol class="releases" aria-label="where the pair flips across releases">
        {runs.map((r, k) => (
          <li key={r.from} class={k > 0 ? 'flip' : undefined}>
            {r.from === r.to ? r.from : `${r.from} … ${r.to}`}:{' '}
            <span class={`mt ${r.mapType.split(' ')[0]}`}>{r.mapType}</span>
            {k > 0 ? ' ← flips here' : ''}
          </li>
        ))}
      </ol>
    </fieldset>
  );
  const v = p.record?.verdict ?? null;
  if (p.pair === null || v === null) {
    return (
      <section aria-label="pair route">
        {slider}
        <p>Pick a pair: click a cell of the matrix, or choose a provider and a client there.</p>
      </section>
    );
  }
  const fabric = p.judged.fabric;
  const name = (b: string) => {
    const f = fabric.get(b);
    return f?.name ? `${f.name} (${b})` : b;
  };
  return (
    <section aria-label="pair route" data-testid="route">
      {slider}
      <h2>
        {name(v.provider)} → {name(v.client)}
      </h2>
      <p class="verdict" data-testid="verdict">
        <span class={`mt ${v.mapType}`}>{v.mapType}</span>
        {v.mapType === 'uncertain'
          ? ` — one of ${v.possible.join(', ')}, decided by ${factText(v.missing)}`
          : `, distance ${v.distance}`}
        {` · locality ${v.class} · rules ${v.ruleSet}`}
        {v.bottleneck
          ? ` · slowest link ${v.bottleneck.GBps.toFixed(1)} GB/s (Gen${v.bottleneck.gen} x${v.bottleneck.width})`
          : ''}
      </p>
      {p.record?.ruleSetNote ? <p class="note">{p.record.ruleSetNote}</p> : null}
      <h3>Route</h3>
      <ol class="path" data-testid="path">
        {v.path.map((b) => (
          <li key={b}>{name(b)}</li>
        ))}
      </ol>
      <h3>Reasons and fixes</h3>
      {v.issues.length === 0 ? (
        <p data-testid="reasons">No findings: the kernel lets this pair through.</p>
      ) : (
        <ul data-testid="reasons">
          {v.issues.map((i) => (
            <li key={i.code + i.path.join()}>
              {issueText(i)}
              {hintText(i) ? (
                <div class="hint">
                  fix: <code>{hintText(i)}</code>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <h3>Kernel log</h3>
      <pre data-testid="kernel-log">
        {[...v.bootLog, ...v.kernelLog].join('\n') || '(nothing printed)'}
      </pre>
      <details>
        <summary>Route drawn as text</summary>
        <pre>{p.record ? renderRoute(fabric, v, p.record.route).join('\n') : null}</pre>
      </details>
    </section>
  );
}
