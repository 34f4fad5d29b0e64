// Look-alikes of refused constructs that are the program's own and must pass: a local named
// `process`, defineProperty on objects the program creates, a class constructor, `arguments` in
// a function, property names such as `eval`, and JSON read as unknown.
import { defineProgram, i32 } from 'sing/runtime';

/** A point that defines its own hidden field while it is being built. */
class Point {
  readonly x: number;
  readonly y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
    Object.defineProperty(this, 'kind', { value: 'point', enumerable: false });
  }
  sum(): number {
    return this.x + this.y;
  }
}

/** Counts its arguments the old way: `arguments` inside a function is the function's own. */
function count(..._xs: number[]): number {
  return arguments.length;
}

/** A local `process` and `setTimeout`: the program's own names, not the host's. */
function process(steps: readonly number[]): number {
  const setTimeout = (n: number): number => n * 2;
  return steps.reduce((a, s) => a + setTimeout(s), 0);
}

export default defineProgram({
  name: 'subset-lookalikes',
  parameters: { n: i32 },
  console: true,
  main({ params, console }) {
    const record = { eval: 1, constructor: 'not a function' };
    Object.defineProperty(record, 'hidden', { value: true });
    const list = [1, 2, 3];
    Object.defineProperties(list, { tag: { value: 'list' } });
    const parsed: unknown = JSON.parse('{"a": 1}');
    const ok = typeof parsed === 'object' && parsed !== null && 'a' in parsed;
    const p = new Point(params.n, 1);
    const total = process(list) + count(1, 2) + record.eval + p.sum();
    console.log(`total ${total}, ${record.constructor}, ${ok ? 'parsed' : 'not parsed'}`);
    return 0;
  },
});
