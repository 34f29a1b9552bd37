/**
 * A machine with one physical switch chip (`pex`) partitioned into two virtual switches, each
 * behind its own root port, sharing a 64 GB/s internal fabric; one GPU whose driver refuses P2P;
 * MPS/MRRS stated. Used by the spec loader's and the bandwidth model's tests.
 */
export const PARTITIONED_SPEC = `peerdma: 1
machine: {name: partitioned}
cpu: {vendor: AuthenticAMD, family: 0x19, model: 1, modelName: AMD EPYC 7763 64-Core Processor}
iommu: {enabled: true, mode: passthrough}
sockets:
  - id: 0
    numaNodes: [0]
    hostBridges:
      - hostDevice: {vendor: amd, device: 0x1480}
        devices:
          - name: rp0
            vendor: amd
            device: 0x1483
            link: {gen: 4, width: 16}
            mps: 512
            children:
              - name: swA
                kind: switch
                chip: pex
                fabricGBps: 64
                vendor: 0x1000
                device: 0xc030
                link: {gen: 4, width: 16}
                children:
                  - name: dpA0
                    link: {gen: 4, width: 16}
                    children:
                      - {name: gpu0, vendor: nvidia, device: 0x20b0, class: gpu, link: {gen: 4, width: 16}, mps: 256, mrrs: 512, bars: [{index: 0, size: 16MiB}]}
                  - name: dpA1
                    link: {gen: 4, width: 16}
                    children:
                      - {name: gpu1, vendor: nvidia, device: 0x2204, class: gpu, driver: nvidia, p2p: refuses, link: {gen: 4, width: 16}, bars: [{index: 0, size: 16MiB}]}
          - name: rp1
            vendor: amd
            device: 0x1483
            link: {gen: 4, width: 16}
            children:
              - name: swB
                kind: switch
                chip: pex
                vendor: 0x1000
                device: 0xc030
                link: {gen: 4, width: 16}
                children:
                  - name: dpB0
                    link: {gen: 4, width: 16}
                    children:
                      - {name: gpu2, vendor: nvidia, device: 0x20b0, class: gpu, link: {gen: 4, width: 16}, bars: [{index: 0, size: 16MiB}]}
`;
