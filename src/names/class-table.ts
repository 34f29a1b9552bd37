/**
 * PCI class, subclass and programming-interface names from the PCI Code and ID Assignment
 * Specification, spelled as `lspci` prints them (the `C` section of pci.ids). Always available, so a
 * machine without pci.ids still reads "Ethernet controller", never "Class 0200".
 *
 * Format: one string per base class: the base name, then `ss name` per subclass, then `ss/pp name`
 * per prog-if, separated by `|`. Parsed once per PciIds instance.
 */
export const CLASS_TABLE: Readonly<Record<number, string>> = {
  0: 'Unclassified device|00 Non-VGA unclassified device|01 VGA compatible unclassified device|05 Image coprocessor',
  1:
    'Mass storage controller|00 SCSI storage controller|01 IDE interface|02 Floppy disk controller|03 IPI bus controller|' +
    '04 RAID bus controller|05 ATA controller|06 SATA controller|06/01 AHCI 1.0|07 Serial Attached SCSI controller|' +
    '08 Non-Volatile memory controller|08/01 NVMHCI|08/02 NVM Express|08/03 NVM Express administrative controller|' +
    '09 Universal Flash Storage controller|80 Mass storage controller',
  2:
    'Network controller|00 Ethernet controller|01 Token ring network controller|02 FDDI network controller|' +
    '03 ATM network controller|04 ISDN controller|05 WorldFip controller|06 PICMG controller|07 Infiniband controller|' +
    '08 Fabric controller|80 Network controller',
  3: 'Display controller|00 VGA compatible controller|00/00 VGA controller|00/01 8514 controller|01 XGA compatible controller|02 3D controller|80 Display controller',
  4: 'Multimedia controller|00 Multimedia video controller|01 Multimedia audio controller|02 Computer telephony device|03 Audio device|80 Multimedia controller',
  5: 'Memory controller|00 RAM memory|01 FLASH memory|02 CXL|80 Memory controller',
  6:
    'Bridge|00 Host bridge|01 ISA bridge|02 EISA bridge|03 MicroChannel bridge|04 PCI bridge|04/00 Normal decode|' +
    '04/01 Subtractive decode|05 PCMCIA bridge|06 NuBus bridge|07 CardBus bridge|08 RACEway bridge|' +
    '09 Semi-transparent PCI-to-PCI bridge|0a InfiniBand to PCI host bridge|80 Bridge',
  7: 'Communication controller|00 Serial controller|01 Parallel controller|02 Multiport serial controller|03 Modem|04 GPIB controller|05 Smard Card controller|80 Communication controller',
  8: 'Generic system peripheral|00 PIC|01 DMA controller|02 Timer|03 RTC|04 PCI Hot-plug controller|05 SD Host controller|06 IOMMU|07 Root Complex Event Collector|80 System peripheral',
  9: 'Input device controller|00 Keyboard controller|01 Digitizer Pen|02 Mouse controller|03 Scanner controller|04 Gameport controller|80 Input device controller',
  10: 'Docking station|00 Generic Docking Station|80 Docking Station',
  11: 'Processor|00 386|01 486|02 Pentium|10 Alpha|20 Power PC|30 MIPS|40 Co-processor',
  12:
    'Serial bus controller|00 FireWire (IEEE 1394)|01 ACCESS Bus|02 SSA|03 USB controller|03/00 UHCI|03/10 OHCI|' +
    '03/20 EHCI|03/30 XHCI|03/40 USB4 Host Interface|04 Fibre Channel|05 SMBus|06 InfiniBand|07 IPMI Interface|' +
    '08 SERCOS interface|09 CANBUS|0a MIPI I3C|80 Serial bus controller',
  13: 'Wireless controller|00 IRDA controller|01 Consumer IR controller|10 RF controller|11 Bluetooth|12 Broadband|20 802.11a 5 GHz controller|21 802.11b 2.4 GHz controller|40 Cellular controller/modem|41 Cellular controller/modem plus Ethernet (802.11)|80 Wireless controller',
  14: 'Intelligent controller|00 I2O',
  15: 'Satellite communications controller|01 Satellite TV controller|02 Satellite audio communication controller|03 Satellite voice communication controller|04 Satellite data communication controller',
  16: 'Encryption controller|00 Network and computing encryption device|10 Entertainment encryption device|80 Encryption controller',
  17: 'Signal processing controller|00 DPIO module|01 Performance counters|10 Communication synchronizer|20 Signal processing management|80 Signal processing controller',
  18: 'Processing accelerators|00 Processing accelerators|01 SNIA Smart Data Accelerator Interface (SDXI) controller',
  19: 'Non-Essential Instrumentation',
  64: 'Coprocessor',
  255: 'Unassigned class',
};
