// The text command language that Exec carries, one command per line:
//   get KEY                 the value of KEY
//   put KEY VALUE...        stores the rest of the line (or one quoted word) under KEY
//   del KEY                 removes KEY (also: delete, rm)
//   scan [PREFIX] [LIMIT]   keys starting with PREFIX, at most LIMIT (default 20)
//   count [PREFIX]          how many keys start with PREFIX
//   clear PREFIX            removes every key starting with PREFIX (PREFIX may be "")
//   stats                   the store's counters
//   dump [PREFIX]           how large a Snapshot of PREFIX would be
//   help                    this list
// Words are separated by blanks; a word may be quoted with "..." or '...', inside which \n, \t,
// \\ and the quote itself may be escaped. Command names are case-insensitive; keys are not.
// Rules for callers: `parse` never throws; it returns the command or the reason it is not one.

export const DEFAULT_LIMIT = 20;

export type Command =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'del'; readonly key: string }
  | { readonly op: 'scan'; readonly prefix: string; readonly limit: number }
  | { readonly op: 'count'; readonly prefix: string }
  | { readonly op: 'clear'; readonly prefix: string }
  | { readonly op: 'stats' }
  | { readonly op: 'dump'; readonly prefix: string }
  | { readonly op: 'help' };

export type Parsed =
  | { readonly ok: true; readonly cmd: Command }
  | { readonly ok: false; readonly error: string };

export const HELP = [
  'get KEY', 'put KEY VALUE', 'del KEY', 'scan [PREFIX] [LIMIT]', 'count [PREFIX]',
  'clear PREFIX', 'stats', 'dump [PREFIX]', 'help',
].join('; ');

/** A word and where it starts in the line (its opening quote, if quoted). */
interface Word { readonly text: string; readonly at: number }

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '0': '\0' };

const isBlank = (c: string): boolean => c === ' ' || c === '\t';

/** Splits a line into words; the reason when a quote is left open or an escape is cut short. */
export function tokenize(line: string): { words: Word[] } | { error: string } {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && isBlank(line.charAt(i))) i++;
    if (i >= line.length) break;
    const start = i;
    const q = line.charAt(i);
    if (q === '"' || q === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= line.length) return { error: `unterminated ${q} quote at column ${start + 1}` };
        const c = line.charAt(i++);
        if (c === q) break;
        if (c !== '\\') { text += c; continue; }
        if (i >= line.length) return { error: 'a backslash ends the line' };
        const e = line.charAt(i++);
        text += ESCAPES[e] ?? e;
      }
      if (i < line.length && !isBlank(line.charAt(i))) return { error: `a quoted word must end at a blank (column ${i + 1})` };
      words.push({ text, at: start });
    } else {
      while (i < line.length && !isBlank(line.charAt(i))) i++;
      words.push({ text: line.slice(start, i), at: start });
    }
  }
  return { words };
}

const fail = (error: string): Parsed => ({ ok: false, error });

function arity(op: string, words: readonly Word[], min: number, max: number): string | undefined {
  const n = words.length - 1;
  if (n < min) return `${op}: expected ${min === max ? min : `at least ${min}`} argument${min === 1 ? '' : 's'}, got ${n}`;
  if (n > max) return `${op}: expected at most ${max} argument${max === 1 ? '' : 's'}, got ${n}`;
  return undefined;
}

/** A whole number in [0, 1_000_000], or undefined. */
function count(s: string): number | undefined {
  if (!/^\d{1,7}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 1_000_000 ? n : undefined;
}

export function parse(line: string): Parsed {
  const t = tokenize(line);
  if ('error' in t) return fail(t.error);
  const words = t.words;
  const first = words[0];
  if (first === undefined) return fail('empty command');
  const op = first.text.toLowerCase();
  const arg = (i: number): string => words[i]?.text ?? '';
  switch (op) {
    case 'get': {
      const bad = arity(op, words, 1, 1);
      return bad === undefined ? { ok: true, cmd: { op: 'get', key: arg(1) } } : fail(bad);
    }
    case 'put': case 'set': {
      const key = words[1];
      const value = words[2];
      if (key === undefined || value === undefined) return fail(`${op}: expected a key and a value`);
      // One quoted word is the value as written; otherwise the rest of the line, blanks and all.
      const quoted = line.charAt(value.at) === '"' || line.charAt(value.at) === "'";
      if (quoted && words.length > 3) return fail(`${op}: a quoted value must be the last word`);
      return { ok: true, cmd: { op: 'put', key: key.text, value: quoted ? value.text : line.slice(value.at).trimEnd() } };
    }
    case 'del': case 'delete': case 'rm': {
      const bad = arity(op, words, 1, 1);
      return bad === undefined ? { ok: true, cmd: { op: 'del', key: arg(1) } } : fail(bad);
    }
    case 'scan': case 'ls': {
      const bad = arity(op, words, 0, 2);
      if (bad !== undefined) return fail(bad);
      const limit = words.length > 2 ? count(arg(2)) : DEFAULT_LIMIT;
      if (limit === undefined) return fail(`${op}: the limit must be a whole number, got ${JSON.stringify(arg(2))}`);
      return { ok: true, cmd: { op: 'scan', prefix: arg(1), limit } };
    }
    case 'count': case 'clear': case 'dump': {
      const bad = arity(op, words, op === 'clear' ? 1 : 0, 1);
      return bad === undefined ? { ok: true, cmd: { op, prefix: arg(1) } } : fail(bad);
    }
    case 'stats': case 'help': {
      const bad = arity(op, words, 0, 0);
      return bad === undefined ? { ok: true, cmd: { op } } : fail(bad);
    }
    default:
      return fail(`unknown command ${JSON.stringify(first.text)} (try help)`);
  }
}
