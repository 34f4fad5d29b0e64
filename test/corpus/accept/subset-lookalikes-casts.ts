// Safe relatives of refused casts and globals: `as const`, `satisfies`, non-null assertions, a
// single widening cast, Object.assign onto a parameter, Object.create, and a local `globalThis`-free
// registry. A comment that merely mentions @ts-ignore is not a directive.
import { defineProgram } from 'sing/runtime';

interface Settings {
  readonly mode: 'fast' | 'safe';
  readonly level: number;
}

const DEFAULTS = { mode: 'safe', level: 1 } as const satisfies Settings;

/** Copies defaults onto a settings object the caller owns (assign is not a prototype change). */
function withDefaults(target: Partial<Settings>): Settings {
  return Object.assign({}, DEFAULTS, target);
}

/** A prototype-free dictionary the program creates and shapes itself. */
function dictionary(): Record<string, number> {
  const d = Object.create(null) as Record<string, number>;
  Object.defineProperty(d, 'size', { value: 0, enumerable: false });
  return d;
}

export default defineProgram({
  name: 'subset-lookalikes-casts',
  main() {
    const s = withDefaults({ level: 2 });
    const d = dictionary();
    d['a'] = s.level;
    const levels = [s.level];
    const first = levels[0]!;
    const wide = first as number | string;
    return typeof wide === 'number' && d['a'] === 2 ? 0 : 1;
  },
});
