import { z } from 'zod';
import {
  ACS_BITS,
  CLASS_SHORTHANDS,
  GEN_SPEEDS,
  HEX64_RE,
  SIZE_RE,
  VENDOR_SHORTHANDS,
} from './units.js';

/**
 * The machine spec format (docs/spec-format.md), as zod schemas of the *input* text: numbers and
 * strings only, so the JSON Schema (schema/machine.schema.json) is generated from the same source.
 * Conversions (sizes → bigint, shorthands → codes) happen in build.ts.
 */
const unknown = z.literal('unknown');
const hexOf = (digits: number, what: string) =>
  z.union([
    z
      .number()
      .int()
      .min(0)
      .max(16 ** digits - 1),
    z.string().regex(new RegExp(`^0x[0-9a-fA-F]{1,${digits}}$`), {
      error: `expected ${what} as a number or 0x… hex string`,
    }),
  ]);
const id16 = hexOf(4, 'a 16-bit id');
const u8 = hexOf(2, 'an 8-bit value');
const small = z.union([
  z.number().int().min(0).max(0xffffffff),
  z.string().regex(/^0x[0-9a-fA-F]{1,8}$/, { error: 'expected a number or 0x… hex string' }),
]);
const safeInt = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const Size = z.union([
  safeInt,
  z.string().regex(SIZE_RE, { error: 'expected a size like 64GiB or 0x…' }),
]);
export const Address = z.union([
  safeInt,
  z.string().regex(HEX64_RE, { error: 'expected an address as a 0x… hex string' }),
]);
const vendorShorthands = Object.keys(VENDOR_SHORTHANDS) as [string, ...string[]];
const Vendor = z.union([id16, z.enum(vendorShorthands)]);
const classShorthands = Object.keys(CLASS_SHORTHANDS) as [string, ...string[]];
const ClassCode = z.union([
  z.number().int().min(0).max(0xffffff),
  z.enum(classShorthands),
  z.string().regex(/^0x(?:[0-9a-fA-F]{4}|[0-9a-fA-F]{6})$/, {
    error: `expected a class as 0xBBSS, 0xBBSSPP or one of ${classShorthands.join('|')}`,
  }),
]);
const AcsBits = z.union([z.array(z.enum(ACS_BITS as [string, ...string[]])), u8]);
const Speed = z.union(
  GEN_SPEEDS.map((s) => z.literal(s)) as unknown as [
    z.ZodLiteral<number>,
    ...z.ZodLiteral<number>[],
  ],
);
const Width = z.union(
  [1, 2, 4, 8, 12, 16, 32].map((w) => z.literal(w)) as unknown as [
    z.ZodLiteral<number>,
    ...z.ZodLiteral<number>[],
  ],
);
const LinkSpeed = z.strictObject({
  gen: z.number().int().min(1).max(6).optional().describe('PCIe generation 1–6 (or give speed)'),
  speed: Speed.optional().describe('GT/s per lane'),
  width: Width,
});
const Link = z.union([
  z.enum(['none', 'unknown']),
  z.strictObject({
    ...LinkSpeed.partial().shape,
    trained: z
      .union([z.enum(['none', 'unknown']), LinkSpeed])
      .optional()
      .describe('what the link trained to (default: the capability)'),
  }),
]);
const Bar = z.strictObject({
  index: z.number().int().min(0).max(5),
  size: Size,
  address: Address.optional().describe(
    'bus address; allocated from the host bridge window when omitted',
  ),
  is64: z.boolean().optional().describe('default true for memory BARs'),
  prefetchable: z.boolean().optional().describe('default false'),
  space: z.enum(['mem', 'io']).optional(),
});
const Window = z.strictObject({
  space: z.enum(['io', 'mem', 'prefetch']),
  start: Address,
  size: Size,
});
const Buses = z.strictObject({ secondary: u8, subordinate: u8 });
const Acs = z.union([
  z.enum(['absent', 'unknown', 'off', 'on']),
  z.strictObject({ unknown: z.string() }),
  z.strictObject({ cap: AcsBits, ctrl: AcsBits }),
]);
const KINDS = [
  'host-bridge',
  'root-port',
  'switch',
  'switch-upstream',
  'switch-downstream',
  'pci-bridge',
  'pcie-to-pci-bridge',
  'rc-integrated-endpoint',
  'endpoint',
] as const;
const PORT_TYPES = [
  'endpoint',
  'legacy-endpoint',
  'root-port',
  'switch-upstream',
  'switch-downstream',
  'pcie-to-pci-bridge',
  'pci-to-pcie-bridge',
  'rc-integrated-endpoint',
  'rc-event-collector',
  'none',
  'unknown',
] as const;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.+-]*$/;
const OS_KINDS = ['infiniband', 'net', 'nvme', 'block', 'drm', 'nvidia-gpu'] as const;
const OsName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'expected an OS device name' });
const Name = z.string().regex(NAME_RE, {
  error: 'expected a name of letters, digits, _ . + - (starting with a letter or _)',
});
const PayloadSize = z.union(
  [128, 256, 512, 1024, 2048, 4096].map((w) => z.literal(w)) as unknown as [
    z.ZodLiteral<number>,
    ...z.ZodLiteral<number>[],
  ],
);
const Sriov = z.strictObject({
  count: z.number().int().min(1).max(256),
  offset: z.number().int().min(1).max(0xffff).optional(),
  stride: z.number().int().min(1).max(0xffff).optional(),
  device: id16.optional(),
  model: z.string().optional(),
  bars: z.array(Bar).optional(),
  driver: z.string().nullable().optional(),
});

export const Device = z
  .strictObject({
    name: Name.optional().describe('unique; how users address the device'),
    bdf: z
      .string()
      .regex(/^(?:[0-9a-fA-F]{1,8}:)?[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7]$/, {
        error: 'expected a PCI address like 0000:3b:00.0',
      })
      .optional(),
    devfn: z
      .string()
      .regex(/^[0-9a-fA-F]{1,2}\.[0-7]$/, { error: 'expected device.function like 02.0' })
      .optional(),
    kind: z.enum(KINDS).optional(),
    vendor: z.union([Vendor, unknown]).optional(),
    device: z.union([id16, unknown]).optional(),
    subsystem: z
      .union([
        z.enum(['none', 'unknown']),
        z.strictObject({ vendor: z.union([Vendor, unknown]), device: z.union([id16, unknown]) }),
      ])
      .optional(),
    class: z.union([ClassCode, unknown]).optional(),
    revision: z.union([u8, unknown]).optional(),
    model: z.string().optional().describe('human description'),
    bars: z.array(Bar).optional(),
    memory: Size.optional().describe('device-local memory (HBM, VRAM) behind the BARs'),
    windows: z.array(Window).optional(),
    buses: z.union([z.literal('none'), Buses]).optional(),
    portType: z.enum(PORT_TYPES).optional(),
    link: Link.optional(),
    acs: Acs.optional(),
    acsRedirect: z
      .boolean()
      .optional()
      .describe('shorthand: ACS cap SV|TB|RR|CR|UF; ctrl SV|RR|CR|UF (true) or SV|UF (false)'),
    numaNode: z.union([z.number().int().min(-1).max(4095), unknown]).optional(),
    iommuGroup: z.union([z.number().int().min(0), z.enum(['none', 'unknown'])]).optional(),
    driver: z.string().nullable().optional().describe("bound driver; null: none; 'unknown'"),
    sriov: Sriov.optional(),
    osDevices: z
      .strictObject(
        Object.fromEntries(OS_KINDS.map((k) => [k, z.array(OsName).optional()])) as Record<
          (typeof OS_KINDS)[number],
          z.ZodOptional<z.ZodArray<typeof OsName>>
        >,
      )
      .optional()
      .describe('names the OS gave the function: {infiniband: [mlx5_0], net: [ens1np0]}'),
    mps: PayloadSize.optional().describe(
      'Device Control: negotiated Max Payload Size in bytes (lspci DevCtl MaxPayload)',
    ),
    mrrs: PayloadSize.optional().describe(
      'Device Control: Max Read Request Size in bytes (lspci DevCtl MaxReadReq)',
    ),
    chip: Name.optional().describe(
      'on a switch upstream port: the physical switch chip it is a partition (virtual switch) of; partitions of one chip share its internal fabric',
    ),
    fabricGBps: z
      .number()
      .positive()
      .max(100000)
      .optional()
      .describe(
        "with chip: GB/s the chip's internal fabric carries between its partitions, all crossing flows together",
      ),
    p2p: z
      .enum(['refuses'])
      .optional()
      .describe("the bound driver's P2P policy where it differs from the kernel's"),
    cpulist: z
      .string()
      .regex(/^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/, { error: 'expected a CPU list like 0-31,64-95' })
      .optional()
      .describe('local_cpulist: the CPUs near the function'),
    get vfs() {
      return z.array(Device).optional();
    },
    get functions() {
      return z.array(Device).optional();
    },
    get children() {
      return z.array(Device).optional();
    },
  })
  .meta({ id: 'Device' });

const HostDevice = z.strictObject({
  name: Name.optional(),
  vendor: z.union([Vendor, unknown]),
  device: z.union([id16, unknown]),
  revision: u8.optional(),
  model: z.string().optional(),
});
const Region = z.strictObject({ base: Address, size: Size.optional() });
export const HostBridge = z
  .strictObject({
    id: z
      .string()
      .regex(/^pci[0-9a-f]{4,8}:[0-9a-f]{2}$/, {
        error: 'expected a host bridge id like pci0000:00',
      })
      .optional(),
    domain: small.optional(),
    bus: u8.optional().describe('root bus number; the next free bus when omitted'),
    numaNode: z.union([z.number().int().min(-1).max(4095), unknown]).optional(),
    hostDevice: z
      .union([HostDevice, unknown])
      .optional()
      .describe(
        "the host-bridge device at 00.0 the kernel allowlist looks at; 'unknown': one is there, its ids are not known",
      ),
    mmio: Region.optional().describe('64-bit prefetchable window for BAR allocation'),
    mmio32: Region.optional().describe('32-bit window for non-prefetchable BARs'),
    devices: z.array(Device).optional(),
  })
  .meta({ id: 'HostBridge' });

const Socket = z.strictObject({
  id: z.number().int().min(0),
  numaNodes: z.array(z.number().int().min(0)).optional(),
  hostBridges: z.array(HostBridge).optional(),
});
const intOrHex = z.union([
  z.number().int().min(0),
  z.string().regex(/^0x[0-9a-fA-F]{1,8}$/, { error: 'expected a number or 0x… hex string' }),
]);

export const MachineSpec = z
  .strictObject({
    peerdma: z.literal(1).describe('format marker and version'),
    machine: z
      .strictObject({
        name: z.string().nullable().optional(),
        description: z.string().optional(),
        sockets: z.union([z.number().int().min(0), unknown]).optional(),
        numaNodes: z.union([z.number().int().min(0), unknown]).optional(),
      })
      .optional(),
    cpu: z
      .strictObject({
        arch: z.string().optional(),
        vendor: z.string().optional().describe('GenuineIntel, AuthenticAMD, …'),
        family: z.union([intOrHex, unknown]).optional(),
        model: z.union([intOrHex, unknown]).optional(),
        modelName: z.string().optional(),
      })
      .optional(),
    kernel: z
      .strictObject({ release: z.string().optional(), cmdline: z.string().optional() })
      .optional(),
    iommu: z
      .strictObject({
        enabled: z.union([z.boolean(), unknown]).optional(),
        mode: z.enum(['none', 'passthrough', 'strict', 'lazy']).optional(),
        defaultDomain: z
          .string()
          .optional()
          .describe('raw sysfs default domain type, instead of mode'),
      })
      .optional(),
    sockets: z.array(Socket).optional(),
    hostBridges: z.array(HostBridge).optional().describe('host bridges not tied to a socket'),
    iommuGroups: z
      .array(z.strictObject({ id: z.number().int().min(0), type: z.union([z.string(), unknown]) }))
      .optional(),
  })
  .meta({ id: 'MachineSpec', title: 'peerdma machine spec' });

export type DeviceSpec = z.infer<typeof Device>;
export type HostBridgeSpec = z.infer<typeof HostBridge>;
export type MachineSpecDoc = z.infer<typeof MachineSpec>;
export type BarSpec = z.infer<typeof Bar>;
export type LinkSpecDoc = z.infer<typeof Link>;

/** The JSON Schema published as schema/machine.schema.json. */
export function machineJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(MachineSpec, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}
