/**
 * Test-only printers: a Fabric as `lspci -vvvnn -D` and as `lspci -tvnn` would print it (layout as
 * pciutils' lspci.c/ls-caps.c/ls-tree.c), so property tests can round-trip random fabrics.
 */

import { className } from '../../../pci/classes.js';
import type { Fabric } from '../../../pci/fabric.js';
import { isKnown, type Link, type PciFunction } from '../../../pci/types.js';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const ACS_NAMES = [
  'SrcValid',
  'TransBlk',
  'ReqRedir',
  'CmpltRedir',
  'UpstreamFwd',
  'EgressCtrl',
  'DirectTrans',
];
const acsText = (bits: number) =>
  ACS_NAMES.map((n, i) => `${n}${bits & (1 << i) ? '+' : '-'}`).join(' ');
const linkText = (l: Link) => `Speed ${l.speedGTs}GT/s, Width x${l.width}`;
const PORT_TEXT: Record<string, string> = {
  endpoint: 'Endpoint',
  'legacy-endpoint': 'Legacy Endpoint',
  'root-port': 'Root Port (Slot+)',
  'switch-upstream': 'Upstream Port',
  'switch-downstream': 'Downstream Port (Slot-)',
  'pcie-to-pci-bridge': 'PCI-Express to PCI/PCI-X Bridge',
  'pci-to-pcie-bridge': 'PCI/PCI-X to PCI-Express Bridge',
  'rc-integrated-endpoint': 'Root Complex Integrated Endpoint',
  'rc-event-collector': 'Root Complex Event Collector',
};

function sizeText(n: bigint): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let i = 0;
  while (i < 4 && n % 1024n === 0n && n > 0n) {
    n /= 1024n;
    i++;
  }
  return `[size=${n}${units[i]}]`;
}

function header(f: PciFunction): string {
  const cc = isKnown(f.classCode) ? f.classCode : 0xff0000;
  const ids =
    isKnown(f.vendor) && isKnown(f.device) ? ` [${hex(f.vendor, 4)}:${hex(f.device, 4)}]` : '';
  const rev = isKnown(f.revision) && f.revision !== 0 ? ` (rev ${hex(f.revision, 2)})` : '';
  const pi = cc & 0xff ? ` (prog-if ${hex(cc & 0xff, 2)})` : '';
  return `${f.bdf} ${className(cc)} [${hex(cc >> 8, 4)}]: ${f.description ?? 'Device'}${ids}${rev}${pi}`;
}

/** One `lspci -vvvnn -D` block per function. */
export function printLspciVerbose(fab: Fabric): string {
  const out: string[] = [];
  for (const f of fab.functions) {
    const pcie = isKnown(f.pcie) ? f.pcie : null;
    out.push(header(f));
    if (
      isKnown(f.subsystemVendor) &&
      isKnown(f.subsystemDevice) &&
      f.subsystemVendor !== null &&
      f.subsystemDevice !== null
    ) {
      out.push(`\tSubsystem: Device [${hex(f.subsystemVendor, 4)}:${hex(f.subsystemDevice, 4)}]`);
    }
    out.push(
      '\tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR+ FastB2B- DisINTx+',
    );
    out.push(
      `\tStatus: Cap${pcie ? '+' : '-'} 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-`,
    );
    if (isKnown(f.numaNode) && f.numaNode !== -1) out.push(`\tNUMA node: ${f.numaNode}`);
    if (isKnown(f.iommuGroup) && f.iommuGroup !== null) out.push(`\tIOMMU group: ${f.iommuGroup}`);
    for (const b of f.bars) {
      out.push(
        b.space === 'io'
          ? `\tRegion ${b.index}: I/O ports at ${b.start.toString(16)} ${sizeText(b.size)}`
          : `\tRegion ${b.index}: Memory at ${b.start.toString(16)} (${b.is64 ? '64' : '32'}-bit, ${b.prefetchable ? '' : 'non-'}prefetchable) ${sizeText(b.size)}`,
      );
    }
    if (f.buses) {
      out.push(
        `\tBus: primary=${hex(f.addr.bus, 2)}, secondary=${hex(f.buses.secondary, 2)}, subordinate=${hex(f.buses.subordinate, 2)}, sec-latency=0`,
      );
      out.push('\tBridgeCtl: Parity- SERR+ NoISA- VGA- VGA16- MAbort- >Reset- FastB2B-');
      out.push('\t\tPriDiscTmr- SecDiscTmr- DiscTmrStat- DiscTmrSERREn-');
    }
    if (pcie) {
      out.push(`\tCapabilities: [40] Express (v2) ${PORT_TEXT[pcie.portType]}, MSI 00`);
      out.push('\t\tDevCap:\tMaxPayload 128 bytes, PhantFunc 0');
      if (pcie.linkCap !== null) {
        const cap = isKnown(pcie.linkCap) ? linkText(pcie.linkCap) : 'Speed unknown, Width x0';
        out.push(`\t\tLnkCap:\tPort #0, ${cap}, ASPM L0s, Exit Latency L0s <64ns`);
        out.push('\t\t\tClockPM- Surprise- LLActRep- BwNot- ASPMOptComp-');
      }
      if (pcie.linkStatus !== null && isKnown(pcie.linkStatus)) {
        out.push(`\t\tLnkSta:\t${linkText(pcie.linkStatus)}`);
        out.push('\t\t\tTrErr- Train- SlotClk- DLActive- BWMgmt- ABWMgmt-');
      }
      out.push('\tCapabilities: [100 v2] Advanced Error Reporting');
      out.push(
        '\t\tUESta:\tDLP- SDES- TLP- FCP- CmpltTO- CmpltAbrt- UnxCmplt- RxOF- MalfTLP- ECRC- UnsupReq- ACSViol-',
      );
      if (f.acs.state === 'present') {
        out.push('\tCapabilities: [148 v1] Access Control Services');
        out.push(`\t\tACSCap:\t${acsText(f.acs.cap)}`);
        out.push(`\t\tACSCtl:\t${acsText(f.acs.ctrl)}`);
      }
    }
    if (isKnown(f.driver) && f.driver !== null) out.push(`\tKernel driver in use: ${f.driver}`);
    out.push('');
  }
  return out.join('\n');
}

/** `lspci -tvnn` as ls-tree.c prints it: a shared line buffer whose left part turns into `|`/space. */
export function printLspciTree(fab: Fabric): string {
  const out: string[] = [];
  const line: string[] = [];
  const put = (p: number, s: string): number => {
    for (let i = 0; i < s.length; i++) line[p + i] = s[i]!;
    return p + s.length;
  };
  const print = (p: number) => {
    out.push(line.slice(0, p).join(''));
    for (let i = 0; i < p; i++) line[i] = line[i] === '+' || line[i] === '|' ? '|' : ' ';
  };
  const dev = (f: PciFunction, p0: number) => {
    let p = put(p0, `${hex(f.addr.device, 2)}.${f.addr.fn}`);
    if (f.buses) {
      const { secondary: s, subordinate: u } = f.buses;
      p = put(p, s === u ? `-[${hex(s, 2)}]-` : `-[${hex(s, 2)}-${hex(u, 2)}]-`);
      bridge([fab.children(f.bdf)], null, p);
      return;
    }
    const ids =
      isKnown(f.vendor) && isKnown(f.device) ? ` [${hex(f.vendor, 4)}:${hex(f.device, 4)}]` : '';
    print(put(p, `  ${f.description ?? 'Device'}${ids}`));
  };
  const bus = (devs: readonly PciFunction[], p: number) => {
    if (devs.length === 0) return print(p);
    if (devs.length === 1) return dev(devs[0]!, put(p, '--'));
    for (const [i, d] of devs.entries()) dev(d, put(p, i === devs.length - 1 ? '\\-' : '+-'));
  };
  /** `labels` non-null: the host pseudo-bridge, whose buses carry `[dddd:bb]` labels. */
  const bridge = (
    buses: readonly (readonly PciFunction[])[],
    labels: string[] | null,
    p0: number,
  ) => {
    const p = put(p0, '-');
    if (buses.length === 1) {
      bus(buses[0]!, labels ? put(p, `[${labels[0]}]-`) : p);
      return;
    }
    for (const [i, b] of buses.entries()) {
      bus(b, put(p, `${i === buses.length - 1 ? '\\' : '+'}-[${labels?.[i]}]-`));
    }
  };
  const hbs = fab.hostBridges.filter((h) => fab.children(h.id).length > 0);
  bridge(
    hbs.map((h) => fab.children(h.id)),
    hbs.map((h) => `${hex(h.domain, 4)}:${hex(h.rootBus, 2)}`),
    0,
  );
  return `${out.join('\n')}\n`;
}
