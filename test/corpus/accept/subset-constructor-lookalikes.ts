// Relatives of the refused constructor reads that must still pass: a class's own `constructor`
// method, comparing an instance's constructor with a class, `this.constructor.name`, making a
// sibling with `new` of an instance's constructor, a record with a `constructor` key read through
// a computed string key, and a narrowing cast of an `unknown` that never touches `constructor`.
import { defineProgram } from 'sing/runtime';

class Shape {
  constructor(readonly size: number) {}
  kind(): string {
    return this.constructor.name;
  }
  sameKind(other: Shape): boolean {
    return other.constructor === this.constructor;
  }
  grown(): Shape {
    const Make = this.constructor as new (size: number) => Shape;
    return new Make(this.size + 1);
  }
}

class Circle extends Shape {}

function codeOf(e: unknown): string {
  return typeof e === 'object' && e !== null ? String((e as { code?: string }).code ?? 'none') : 'none';
}

export default defineProgram({
  name: 'subset-constructor-lookalikes',
  main() {
    const c = new Circle(1);
    const counts: Record<string, number> = { a: 1 };
    const key: string = 'a';
    const isCircle = c.constructor === Circle;
    const bigger = c.grown();
    const ok = isCircle && c.kind() === 'Circle' && c.sameKind(bigger) && bigger.size === 2
      && counts[key] === 1 && codeOf(new Error('x')) === 'none';
    return ok ? 0 : 1;
  },
});
