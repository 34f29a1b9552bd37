/** The founding demo as a stepper: each step's route, map type, mappings, fences and cost. */
import { useMemo, useState } from 'preact/hooks';
import { buildDemo } from '../../src/app/demo.js';
import type { IommuMode } from '../../src/iommu/types.js';
import type { Fabric } from '../../src/pci/fabric.js';
import { mappingLine, renderRing } from '../../src/report/demo.js';

export interface DemoProps {
  readonly fabric: Fabric;
  readonly rules: string | null;
  readonly iommu: IommuMode | null;
}

export function DemoView(p: DemoProps) {
  const doc = useMemo(() => {
    try {
      return buildDemo(p.fabric, {
        ...(p.rules !== null ? { ruleSet: p.rules } : {}),
        ...(p.iommu !== null ? { iommu: p.iommu } : {}),
      });
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }, [p.fabric, p.rules, p.iommu]);
  const [at, setAt] = useState(0);
  if ('error' in doc)
    return (
      <p class="error" role="alert">
        {doc.error}
      </p>
    );
  const r = doc.founding;
  if (r.pair === null) {
    return (
      <section aria-label="demo">
        <p>No P2P-capable (accelerator, NIC) pair: {r.noPair?.reason}</p>
        <ul>
          {(r.noPair?.candidates ?? []).map((c) => (
            <li key={c.accelBdf + c.nicBdf}>
              {c.accel} ← {c.nic}: {c.mapType}
            </li>
          ))}
        </ul>
      </section>
    );
  }
  const step = r.steps[Math.min(at, r.steps.length - 1)];
  const names = { [r.pair.accelBdf]: r.pair.accel, [r.pair.nicBdf]: r.pair.nic };
  return (
    <section aria-label="demo">
      <p>
        {r.pair.accel} exports HBM as a dma-buf, {r.pair.nic} imports it ({r.pair.mapType}) · rules{' '}
        {r.ruleSet} · IOMMU {r.iommu} · verified: {r.verified ? 'yes' : 'no'} · pristine:{' '}
        {r.pristine.length === 0 ? 'yes' : 'no'}
      </p>
      <div class="controls">
        <button type="button" disabled={at === 0} onClick={() => setAt(at - 1)}>
          ← previous
        </button>
        <span aria-live="polite">
          step {step?.n ?? 0} of {r.steps.length}
        </span>
        <button type="button" disabled={at >= r.steps.length - 1} onClick={() => setAt(at + 1)}>
          next →
        </button>
      </div>
      <ol class="steps">
        {r.steps.map((s, k) => (
          <li key={s.n} class={k === at ? 'current' : undefined}>
            <button type="button" onClick={() => setAt(k)} aria-current={k === at}>
              {s.name} {s.ok ? '✓' : `✗ -${s.errno}`}
            </button>
          </li>
        ))}
      </ol>
      {step ? (
        <dl class="step" data-testid="demo-step">
          <dt>what</dt>
          <dd>{step.detail}</dd>
          <dt>route</dt>
          <dd>{step.route || '—'}</dd>
          <dt>map type</dt>
          <dd>{step.mapType || '—'}</dd>
          <dt>DMA-API</dt>
          <dd>
            {step.dmaCalls} call(s), ~{step.cpuNs} ns CPU so far
          </dd>
          <dt>mappings</dt>
          <dd>
            {step.mappings.length === 0
              ? 'none'
              : step.mappings.map((m) => (
                  <div key={mappingLine(m, names)}>{mappingLine(m, names)}</div>
                ))}
          </dd>
          <dt>fences</dt>
          <dd>{step.fences.length ? step.fences.join('; ') : 'none'}</dd>
        </dl>
      ) : null}
      <h3>Ring + doorbell</h3>
      <pre>{renderRing(doc.ring).join('\n')}</pre>
    </section>
  );
}
