/** The fabric as a collapsible tree of nested lists (structure from d3-hierarchy's stratify), route marked. */
import { type HierarchyNode, stratify } from 'd3-hierarchy';
import { useMemo, useState } from 'preact/hooks';
import type { Fabric } from '../../src/pci/fabric.js';
import { isKnown, type PciFunction } from '../../src/pci/types.js';
import { acsSummary, formatSize, linkSummary } from '../../src/report/format.js';
import { canAddAcs, canToggleAcs, redirectOn } from '../../src/web/whatif.js';

interface Row {
  readonly id: string;
  readonly parent: string | null;
  readonly fn: PciFunction | null;
  readonly label: string;
}

function rows(fabric: Fabric): Row[] {
  const out: Row[] = [{ id: '#machine', parent: null, fn: null, label: 'machine' }];
  for (const hb of fabric.hostBridges) {
    const numa = isKnown(hb.numaNode) ? ` · NUMA ${hb.numaNode}` : '';
    out.push({ id: hb.id, parent: '#machine', fn: null, label: `${hb.id} host bridge${numa}` });
  }
  for (const f of fabric.functions) {
    const up = f.physfn ?? f.parent ?? f.hostBridge;
    out.push({ id: f.bdf, parent: up, fn: f, label: f.bdf });
  }
  return out;
}

export function matches(f: PciFunction, q: string): boolean {
  const s = q.trim().toLowerCase();
  if (s === '') return true;
  return [
    f.bdf,
    f.name ?? '',
    f.description ?? '',
    isKnown(f.driver) ? (f.driver ?? '') : '',
    ...(f.osDevices ?? []).map((d) => d.name),
  ]
    .join(' ')
    .toLowerCase()
    .includes(s);
}

function facts(fabric: Fabric, f: PciFunction): string[] {
  const out: string[] = [];
  const pcie = isKnown(f.pcie) ? f.pcie : null;
  const link = pcie && linkSummary(pcie.linkCap, pcie.linkStatus);
  if (link) out.push(`link ${link}`);
  const numa = isKnown(f.numaNode) ? f.numaNode : fabric.hostBridge(f.hostBridge).numaNode;
  out.push(`NUMA ${isKnown(numa) ? numa : '?'}`);
  if (f.acs.state !== 'absent') out.push(acsSummary(f.acs));
  if (f.iommuGroup !== null) out.push(`IOMMU group ${isKnown(f.iommuGroup) ? f.iommuGroup : '?'}`);
  for (const b of f.bars.filter((x) => x.space === 'mem'))
    out.push(`BAR${b.index} ${formatSize(b.size)}${b.prefetchable ? ' pref' : ''}`);
  if (f.driver !== null && isKnown(f.driver)) out.push(`driver ${f.driver}`);
  const os = (f.osDevices ?? []).map((d) => d.name);
  if (os.length > 0) out.push(`OS ${os.join(', ')}`);
  return out;
}

export interface TreeProps {
  readonly fabric: Fabric;
  readonly search: string;
  readonly onSearch: (q: string) => void;
  /** BDFs on the selected pair's route, and the two ends. */
  readonly route: ReadonlySet<string>;
  readonly ends: readonly string[];
  readonly onAcs: (bdf: string, on: boolean) => void;
  readonly onPick: (bdf: string) => void;
  /** Show only these nodes and their ancestors (the route view). */
  readonly only?: ReadonlySet<string>;
}

export function TreeView(p: TreeProps) {
  const root = useMemo(
    () =>
      stratify<Row>()
        .id((r) => r.id)
        .parentId((r) => r.parent)(rows(p.fabric)),
    [p.fabric],
  );
  const [closed, setClosed] = useState<ReadonlySet<string>>(new Set());
  const visible = useMemo(() => {
    if (p.search.trim() === '' && p.only === undefined) return null;
    const keep = new Set<string>();
    root.each((n) => {
      const f = n.data.fn;
      if (f && matches(f, p.search) && (p.only === undefined || p.only.has(f.bdf)))
        for (const a of n.ancestors()) keep.add(a.id!);
    });
    return keep;
  }, [root, p.search, p.only]);
  const toggle = (id: string) => {
    const next = new Set(closed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setClosed(next);
  };
  const node = (n: HierarchyNode<Row>, depth: number) => {
    if (visible !== null && !visible.has(n.id!)) return null;
    const f = n.data.fn;
    const kids = n.children ?? [];
    const open = !closed.has(n.id!);
    const onRoute = p.route.has(n.id!);
    const end = p.ends.indexOf(n.id!);
    const redirect = f ? redirectOn(f) : null;
    return (
      <li key={n.id} class={onRoute ? 'on-route' : undefined} data-bdf={f?.bdf}>
        <div class="node">
          {kids.length > 0 ? (
            <button
              type="button"
              class="twist"
              aria-expanded={open}
              aria-label={`${open ? 'collapse' : 'expand'} ${n.data.label}`}
              onClick={() => toggle(n.id!)}
            >
              {open ? '▾' : '▸'}
            </button>
          ) : (
            <span class="twist" />
          )}
          {f ? (
            <button type="button" class="fn" onClick={() => p.onPick(f.bdf)}>
              <code>{f.bdf}</code> {f.name ? <b>{f.name}</b> : null} <i>{f.kind}</i>
              {f.description ? <span class="desc"> {f.description}</span> : null}
            </button>
          ) : (
            <span class="hb">{n.data.label}</span>
          )}
          {end >= 0 ? <span class="badge">{end === 0 ? 'provider' : 'client'}</span> : null}
          {f && canToggleAcs(f) ? (
            <label class="acs">
              <input
                type="checkbox"
                checked={redirect === true}
                onChange={(e) => p.onAcs(f.bdf, (e.target as HTMLInputElement).checked)}
              />
              ACS redirect
            </label>
          ) : f && canAddAcs(f) ? (
            <button
              type="button"
              class="acs-add"
              title="what if this port had an ACS capability (redirect on, as Linux enables it with an IOMMU)"
              onClick={() => p.onAcs(f.bdf, true)}
            >
              add ACS
            </button>
          ) : null}
        </div>
        {f ? <div class="facts">{facts(p.fabric, f).join(' · ')}</div> : null}
        {kids.length > 0 && open ? <ul>{kids.map((k) => node(k, depth + 1))}</ul> : null}
      </li>
    );
  };
  return (
    <section aria-label="fabric tree">
      <label class="search">
        Search (BDF, name, model, driver, OS device){' '}
        <input
          type="search"
          value={p.search}
          onInput={(e) => p.onSearch((e.target as HTMLInputElement).value)}
        />
      </label>
      <ul class="tree" aria-label="PCIe fabric">
        {node(root, 0)}
      </ul>
    </section>
  );
}
