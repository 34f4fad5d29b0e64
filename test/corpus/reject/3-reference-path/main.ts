// expect: SING3005 2:22
/// <reference path="./globals.d.ts" />
// A reference directive brings in declarations by a path no import (and no bundler) follows.
import { defineProgram } from 'sing/runtime';

/** Uses a type that only the referenced file declares. */
export function secretOf(h: HostInfo): string {
  return h.secret;
}

export default defineProgram({
  name: 'references-path',
  main() {
    return 0;
  },
});
