/** Tar building blocks for crafted archives: ustar headers, pax records, bodies. */
export const craft = {
  /** `prefix` goes in the ustar prefix field, `link` in the link name. */
  header(
    path: string | Buffer,
    size: number,
    type = '0',
    sizeField?: string,
    more: { prefix?: Buffer; link?: string } = {},
  ): Buffer {
    const raw = Buffer.alloc(512);
    if (typeof path === 'string') raw.write(path, 0);
    else path.copy(raw, 0, 0, 100);
    more.prefix?.copy(raw, 345, 0, 155);
    raw.write('0000644\0', 100);
    raw.write(sizeField ?? `${size.toString(8).padStart(11, '0')}\0`, 124);
    raw.write(type, 156);
    if (more.link !== undefined) raw.write(more.link, 157, 100);
    raw.write('ustar\0', 257);
    raw.write('00', 263);
    raw.write('        ', 148);
    let sum = 0;
    for (const b of raw) sum += b;
    raw.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    return raw;
  },
  body(data: Buffer): Buffer {
    return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
  },
  pax(records: Record<string, string>): Buffer {
    let text = '';
    for (const [k, v] of Object.entries(records)) {
      const rest = ` ${k}=${v}\n`;
      // The length counts bytes of UTF-8, itself included.
      const bytes = Buffer.byteLength(rest);
      let n = bytes + 1;
      while (String(n).length + bytes !== n) n++;
      text += `${n}${rest}`;
    }
    const data = Buffer.from(text);
    return Buffer.concat([craft.header('PaxHeader/x', data.length, 'x'), craft.body(data)]);
  },
  file(path: string, text: string): Buffer {
    const data = Buffer.from(text);
    return Buffer.concat([craft.header(path, data.length), craft.body(data)]);
  },
  end: () => Buffer.alloc(1024),
};
