/**
 * An upper bound on how deeply a YAML or JSON text nests, found in one linear pass without parsing.
 * The YAML parser recurses once per level and a few thousand levels overflow the stack (inside a
 * regular expression compile that even aborts the process), so deep input must be refused before
 * it is parsed. Each block level needs at least one more column of indentation or compact
 * indicator (`- `, `? `, `: `), and each flow level one `[` or `{`; brackets inside quoted
 * scalars and comments do not count. Over-counting is harmless (the limit is far above any real
 * document); under-counting is what the quote rules guard against.
 */
export function nestingBound(text: string): { depth: number; line: number } {
  const n = text.length;
  let flow = 0;
  let max = 0;
  let maxLine = 1;
  let line = 1;
  let i = 0;
  while (i < n) {
    let col = 0;
    for (; i < n; i++, col++) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9) continue;
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 10;
      if ((c === 45 || c === 63 || c === 58) && (next === 32 || next === 9 || next === 10))
        continue;
      break;
    }
    let quote = 0;
    let prev = 32;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) break;
      if (quote !== 0) {
        if (quote === 34 && c === 92) i++;
        else if (c === quote) quote = 0;
      } else if ((c === 34 || c === 39) && TOKEN_START.has(prev)) quote = c;
      else if (c === 35 && (prev === 32 || prev === 9)) {
        while (i < n && text.charCodeAt(i) !== 10) i++;
        break;
      } else if (c === 91 || c === 123) flow++;
      else if ((c === 93 || c === 125) && flow > 0) flow--;
      if (col + flow > max) {
        max = col + flow;
        maxLine = line;
      }
      prev = c;
    }
    if (col + flow > max) {
      max = col + flow;
      maxLine = line;
    }
    i++;
    line++;
  }
  return { depth: max, line: maxLine };
}

/** Characters after which a quote opens a quoted scalar: space, tab, `[`, `{`, `,`, `:`. */
const TOKEN_START = new Set([32, 9, 91, 123, 44, 58]);

/** Deeper than any real spec or calibration file by two orders of magnitude, far below a crash. */
export const MAX_NESTING = 256;
