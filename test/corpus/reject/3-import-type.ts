// expect: SING3001 4:29
// Even a type-only import must come from inside the closed world.
import { defineProgram } from 'sing/runtime';
import type { Server } from 'node:http';

/** Never called: the import alone is refused. */
export function port(s: Server): number {
  return s.maxConnections;
}

export default defineProgram({
  name: 'imports-types',
  main() {
    return 0;
  },
});
