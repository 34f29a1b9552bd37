/** Generated machines for the browser tests and the web benchmark (written as specs, as the server hands them over). */

export interface WideShape {
  readonly hostBridges: number;
  /** Root ports per host bridge; ACS redirect is on at every other one. */
  readonly rootPorts: number;
  /** Switch downstream ports under each root port (one switch per root port). */
  readonly downstreamPorts: number;
  /** Functions of the GPU below each downstream port (1–8). */
  readonly functions: number;
}

/** 4 × 4 × 8 × 8: the 1,024-endpoint what-if benchmark machine. */
export const BENCH_SHAPE: WideShape = {
  hostBridges: 4,
  rootPorts: 4,
  downstreamPorts: 8,
  functions: 8,
};

/**
 * A wide machine: host bridges (Intel 0x2020, allowlisted) × root ports (ACS redirect on every
 * other one) → a switch with downstream ports → a multi-function GPU each, so
 * hostBridges · rootPorts · downstreamPorts · functions endpoints. Bus numbers are derived by the
 * spec loader.
 */
export function wideSpec(shape: WideShape = BENCH_SHAPE, name = 'web-bench'): string {
  const fn =
    '{vendor: 0x10de, device: 0x20b0, class: gpu, bars: [{index: 0, size: 16MiB, prefetchable: true}]}';
  const out = [
    'peerdma: 1',
    `machine: {name: ${name}}`,
    'cpu: {arch: x86_64, vendor: GenuineIntel, family: 6}',
    'hostBridges:',
  ];
  for (let d = 0; d < shape.hostBridges; d++) {
    out.push(`  - {domain: ${d}, bus: 0, hostDevice: {vendor: 0x8086, device: 0x2020}, devices: [`);
    for (let p = 0; p < shape.rootPorts; p++) {
      const dsps = Array.from(
        { length: shape.downstreamPorts },
        () =>
          `{kind: switch-downstream, acsRedirect: false, children: [{vendor: 0x10de, device: 0x20b0, class: gpu, bars: [{index: 0, size: 16MiB, prefetchable: true}], functions: [${Array(
            shape.functions - 1,
          )
            .fill(fn)
            .join(', ')}]}]}`,
      );
      out.push(
        `      {kind: root-port, acsRedirect: ${p % 2 === 1}, children: [{kind: switch, children: [${dsps.join(', ')}]}]},`,
      );
    }
    out.push('    ]}');
  }
  return `${out.join('\n')}\n`;
}

/**
 * A switch with two GPUs below (Intel 0x2020 host bridge); `acs` is written into both downstream
 * ports ('' : no ACS capability, `acsRedirect: true,` …).
 */
export const switchSpec = (acs: string): string => `peerdma: 1
machine: {name: acs-add}
cpu: {arch: x86_64, vendor: GenuineIntel, family: 6}
hostBridges:
  - {domain: 0, bus: 0, hostDevice: {vendor: 0x8086, device: 0x2020}, devices: [
      {kind: root-port, children: [{kind: switch, children: [
        {kind: switch-downstream, ${acs} children: [{vendor: 0x10de, device: 0x20b0, class: gpu, bars: [{index: 0, size: 16MiB, prefetchable: true}]}]},
        {kind: switch-downstream, ${acs} children: [{vendor: 0x10de, device: 0x20b0, class: gpu, bars: [{index: 0, size: 16MiB, prefetchable: true}]}]}
      ]}]}
    ]}
`;
