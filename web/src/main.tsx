/**
 * peerdma's web UI. The machine comes from the server (`peerdma serve --from`), a bundled example
 * or files dropped on the page (parsed here, never uploaded); every view is recomputed in the page
 * from the what-if state, which lives in the URL.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { isPeerdmaError } from '../../src/errors/index.js';
import { fabricToSpec, specToYaml } from '../../src/ingest/spec/index.js';
import type { IommuMode } from '../../src/iommu/types.js';
import { DEFAULT_RULE_SET } from '../../src/p2pdma/rulesets.js';
import { type DroppedEntry, directoryEntries } from '../../src/web/folder.js';
import { type Judged, judge, rulesForStop } from '../../src/web/judge.js';
import { decodeState, encodeState, type PageState, type View } from '../../src/web/state.js';
import { deviceFunctions, slotsOf } from '../../src/web/whatif.js';
import { PairBandwidth } from './bandwidth.js';
import { CostView } from './cost.js';
import { DemoView } from './demo.js';
import {
  EXAMPLES,
  folderInputEntries,
  type Loaded,
  loadDropped,
  loadExample,
  loadFolderEntries,
  loadServerMachine,
} from './machine.js';
import { MatrixView, type Show } from './matrix.js';
import { RouteView, recordOf } from './route.js';
import { TreeView } from './tree.js';
import './style.css';

const TABS: readonly [View, string][] = [
  ['tree', 'Tree'],
  ['matrix', 'P2P matrix'],
  ['route', 'Pair route'],
  ['cost', 'Map cost'],
  ['demo', 'Demo'],
];

/** The one-line error, as the CLI prints it (`peerdma: FILE:LINE: field: message [E_CODE]`). */
export function errorLine(e: unknown): string {
  if (isPeerdmaError(e)) return `peerdma: ${e.toLine()}`;
  return `peerdma: internal error: ${e instanceof Error ? e.message : String(e)}`;
}

function App() {
  const [state, setState] = useState<PageState>(() => decodeState(location.hash));
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [show, setShow] = useState<Show>('maptype');
  const [moveDev, setMoveDev] = useState('');
  const [moveTo, setMoveTo] = useState('');
  /** A tree click picks the provider; the next one the client. */
  const [picked, setPicked] = useState<string | null>(null);
  const onPick = (bdf: string) => {
    if (picked === null) setPicked(bdf);
    else {
      setPicked(null);
      update({ pair: [picked, bdf], view: 'route' });
    }
  };
  const update = (patch: Partial<PageState>) => setState((s) => ({ ...s, ...patch }));

  // The URL follows the state (replaceState: edits do not flood the history).
  useEffect(() => {
    const h = `#${encodeState(state)}`;
    if (location.hash !== h) history.replaceState(null, '', h);
  }, [state]);

  // A URL pasted or edited by hand in the same tab.
  useEffect(() => {
    const onHash = () => {
      if (location.hash !== `#${encodeState(state)}`) setState(decodeState(location.hash));
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [state]);

  // Load the machine the state names (dropped files are loaded by the drop handler).
  useEffect(() => {
    if (state.source.startsWith('file:') && loaded?.label === state.source.slice(5)) return;
    let live = true;
    (async () => {
      try {
        let l: Loaded | null = null;
        if (state.source.startsWith('example:')) l = loadExample(state.source.slice(8));
        else if (state.source === 'server') l = await loadServerMachine();
        if (l === null) l = loadExample('default');
        if (live) {
          setLoaded(l);
          setError(null);
        }
      } catch (e) {
        if (live) setError(errorLine(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [state.source]);

  /** Load what was dropped or picked (files, or a capture folder) as the page's machine. */
  const onLoad = async (load: () => Promise<Loaded>) => {
    try {
      const l = await load();
      setLoaded(l);
      setError(null);
      setState((s) => ({
        ...s,
        source: `file:${l.label}`,
        edits: { acs: {}, moves: [], iommu: null },
        pair: null,
      }));
    } catch (e) {
      setError(errorLine(e)); // the machine already loaded stays as it was
    }
  };
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      // A folder dragged from a file manager arrives as a directory entry (read it as a capture).
      const dir = [...(e.dataTransfer?.items ?? [])]
        .map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null))
        .find((x) => x?.isDirectory === true);
      if (dir)
        void onLoad(async () =>
          loadFolderEntries(await directoryEntries(dir as unknown as DroppedEntry<File>)),
        );
      else {
        const files = [...(e.dataTransfer?.files ?? [])];
        if (files.length > 0) void onLoad(() => loadDropped(files));
      }
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  const judged = useMemo((): Judged | { error: string } | null => {
    if (loaded === null) return null;
    const t0 = performance.now();
    try {
      const j = judge(loaded.result.fabric, state);
      performance.measure('rejudge', { start: t0, end: performance.now() });
      return j;
    } catch (e) {
      return { error: errorLine(e) };
    }
  }, [loaded, state.rules, state.cmdline, state.edits]);

  const ok = judged !== null && !('error' in judged) ? judged : null;
  const record = useMemo(() => (ok ? recordOf(ok, state.pair) : null), [ok, state.pair]);
  const verdict = record?.verdict ?? null;
  const route = useMemo(() => new Set(verdict?.path ?? []), [verdict]);

  const download = () => {
    if (!ok) return;
    const what = [
      state.rules ? `--rules ${state.rules}` : '',
      state.cmdline ? `--kernel-cmdline '${state.cmdline}'` : '',
    ].filter((x) => x !== '');
    const head = what.length ? `# what-if options not stored in the spec: ${what.join(' ')}\n` : '';
    const blob = new Blob([head + specToYaml(fabricToSpec(ok.fabric))], { type: 'text/yaml' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${ok.fabric.machine.name ?? 'machine'}-whatif.yaml`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const setAcs = (bdf: string, on: boolean) =>
    setState((s) => ({ ...s, edits: { ...s.edits, acs: { ...s.edits.acs, [bdf]: on } } }));
  const endpoints = ok
    ? ok.fabric.functions.filter(
        (f) => !ok.fabric.isBridge(f) && f.kind !== 'host-bridge' && f.physfn === null,
      )
    : [];
  const slots = ok ? slotsOf(ok.fabric) : [];
  // The rules the page judged with: the chosen ones, else those the machine's kernel picks.
  const rules = ok ? ok.env.rules.name : (state.rules ?? DEFAULT_RULE_SET.name);

  const tabKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex(([v]) => v === state.view);
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (d === 0) return;
    const next = TABS[(i + d + TABS.length) % TABS.length]![0];
    update({ view: next });
    document.getElementById(`tab-${next}`)?.focus();
  };

  return (
    <>
      <header>
        <h1>peerdma</h1>
        <label>
          Machine{' '}
          <select
            value={state.source.startsWith('file:') ? 'file' : state.source}
            onChange={(e) =>
              update({
                source: (e.target as HTMLSelectElement).value,
                pair: null,
                edits: { acs: {}, moves: [], iommu: null },
              })
            }
          >
            <option value="server">served (--from)</option>
            {[...EXAMPLES.keys()].map((n) => (
              <option key={n} value={`example:${n}`}>
                example:{n}
              </option>
            ))}
            {state.source.startsWith('file:') ? <option value="file">{state.source}</option> : null}
          </select>
        </label>
        <label class="file">
          Open files (or drop them on the page){' '}
          <input
            type="file"
            multiple
            data-testid="file-input"
            onChange={(e) => {
              const files = [...((e.target as HTMLInputElement).files ?? [])];
              if (files.length > 0) void onLoad(() => loadDropped(files));
            }}
          />
        </label>
        <label class="file">
          Open folder… (a sysfs capture){' '}
          <input
            type="file"
            {...{ webkitdirectory: true }}
            data-testid="folder-input"
            onChange={(e) => {
              const fs = (e.target as HTMLInputElement).files;
              if (fs !== null && fs.length > 0)
                void onLoad(() => loadFolderEntries(folderInputEntries([...fs])));
            }}
          />
        </label>
        <button type="button" onClick={download} disabled={!ok}>
          Download edited machine (spec)
        </button>
        <span class="loaded" data-testid="loaded">
          {loaded ? `${loaded.label}: ${loaded.result.fabric.size} functions` : 'loading…'}
        </span>
      </header>
      {loaded && loaded.notes.length > 0 ? (
        <details class="notes" data-testid="load-notes">
          <summary>
            {loaded.notes.length} load warning{loaded.notes.length === 1 ? '' : 's'}
          </summary>
          <ul>
            {loaded.notes.map((n, i) => (
              <li key={`${i}`}>{n}</li>
            ))}
          </ul>
        </details>
      ) : null}
      {error ? (
        <p class="error" role="alert" data-testid="error">
          {error}
        </p>
      ) : null}
      {judged !== null && 'error' in judged ? (
        <p class="error" role="alert" data-testid="edit-error">
          {judged.error}
        </p>
      ) : null}
      {picked ? (
        <p class="picked" role="status">
          provider {picked} picked: click the client in the tree{' '}
          <button type="button" onClick={() => setPicked(null)}>
            cancel
          </button>
        </p>
      ) : null}
      <div class="layout">
        <aside aria-label="what-if">
          <h2>What if…</h2>
          <label>
            Kernel command line{' '}
            <input
              data-testid="cmdline"
              value={state.cmdline}
              placeholder="pci=disable_acs_redir=…"
              onChange={(e) => update({ cmdline: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label>
            IOMMU mode{' '}
            <select
              value={state.edits.iommu ?? ''}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                update({ edits: { ...state.edits, iommu: v === '' ? null : (v as IommuMode) } });
              }}
            >
              <option value="">as the machine says</option>
              <option value="none">none (IOMMU off)</option>
              <option value="passthrough">passthrough</option>
              <option value="strict">strict</option>
              <option value="lazy">lazy</option>
            </select>
          </label>
          <p>
            Rule set: <b data-testid="rules">{rules}</b> (slider on the pair route)
          </p>
          <fieldset>
            <legend>Move a device to another slot</legend>
            <select
              aria-label="device to move"
              value={moveDev}
              onChange={(e) => setMoveDev((e.target as HTMLSelectElement).value)}
            >
              <option value="">device…</option>
              {endpoints.map((f) => (
                <option key={f.bdf} value={f.bdf}>
                  {f.name ?? f.bdf}
                </option>
              ))}
            </select>
            <select
              aria-label="target slot"
              value={moveTo}
              onChange={(e) => setMoveTo((e.target as HTMLSelectElement).value)}
            >
              <option value="">slot…</option>
              {slots.map((f) => (
                <option key={f.bdf} value={f.bdf}>
                  {f.name ?? f.bdf} ({f.kind})
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={moveDev === '' || moveTo === ''}
              onClick={() => {
                const dev = ok?.fabric.get(moveDev);
                const fns = dev && ok ? deviceFunctions(ok.fabric, dev) : [];
                const moved = new Set(fns.map((f) => f.bdf as string));
                const pair =
                  state.pair && (moved.has(state.pair[0]) || moved.has(state.pair[1]))
                    ? null
                    : state.pair;
                update({
                  pair,
                  edits: {
                    ...state.edits,
                    moves: [...state.edits.moves, { device: moveDev, to: moveTo }],
                  },
                });
                setMoveDev('');
              }}
            >
              Move
            </button>
          </fieldset>
          <h3>Edits</h3>
          <ul data-testid="edits">
            {Object.entries(state.edits.acs).map(([b, on]) => (
              <li key={b}>
                {loaded?.result.fabric.get(b)?.acs.state === 'absent'
                  ? 'ACS capability added, '
                  : ''}
                ACS redirect {on ? 'on' : 'off'} at {b}
              </li>
            ))}
            {state.edits.moves.map((m) => (
              <li key={m.device + m.to}>
                moved {m.device} → slot {m.to}
              </li>
            ))}
            {state.edits.iommu ? <li>IOMMU {state.edits.iommu}</li> : null}
            {state.cmdline ? <li>cmdline {state.cmdline}</li> : null}
          </ul>
          <button
            type="button"
            onClick={() =>
              update({ edits: { acs: {}, moves: [], iommu: null }, cmdline: '', rules: null })
            }
          >
            Undo all edits
          </button>
        </aside>
        <main>
          <div role="tablist" aria-label="views" onKeyDown={tabKey}>
            {TABS.map(([v, label]) => (
              <button
                key={v}
                id={`tab-${v}`}
                type="button"
                role="tab"
                aria-selected={state.view === v}
                tabIndex={state.view === v ? 0 : -1}
                onClick={() => update({ view: v })}
              >
                {label}
              </button>
            ))}
          </div>
          <div role="tabpanel" aria-labelledby={`tab-${state.view}`}>
            {ok === null ? null : state.view === 'tree' ? (
              <TreeView
                fabric={ok.fabric}
                search={state.search}
                onSearch={(q) => update({ search: q })}
                route={route}
                ends={verdict ? [verdict.provider, verdict.client] : []}
                onAcs={setAcs}
                onPick={onPick}
              />
            ) : state.view === 'matrix' ? (
              <MatrixView
                judged={ok}
                show={show}
                onShow={setShow}
                pair={state.pair}
                onPair={(pair) => update({ pair, view: 'route' })}
              />
            ) : state.view === 'route' ? (
              <>
                <RouteView
                  judged={ok}
                  pair={state.pair}
                  record={record}
                  onRules={(r) => update({ rules: rulesForStop(ok.fabric, r) })}
                />
                {state.pair ? <PairBandwidth judged={ok} pair={state.pair} /> : null}
                {verdict ? (
                  <>
                    <h3>The route on the tree</h3>
                    <TreeView
                      fabric={ok.fabric}
                      search={state.search}
                      onSearch={(q) => update({ search: q })}
                      route={route}
                      ends={[verdict.provider, verdict.client]}
                      onAcs={setAcs}
                      onPick={onPick}
                      only={route}
                    />
                  </>
                ) : null}
              </>
            ) : state.view === 'cost' ? (
              <CostView
                fabric={ok.fabric}
                size={state.size}
                onSize={(s) => update({ size: s })}
                iommu={state.edits.iommu}
              />
            ) : (
              <DemoView fabric={ok.fabric} rules={state.rules} iommu={state.edits.iommu} />
            )}
          </div>
        </main>
      </div>
    </>
  );
}

render(<App />, document.getElementById('app')!);
