// expect: SING2010 8:21
// Shared memory between processes bypasses channels and the exchange heap.
import { defineProgram } from 'sing/runtime';

export default defineProgram({
  name: 'shared-array-buffer',
  main() {
    const sab = new SharedArrayBuffer(8);
    void sab;
    return 0;
  },
});
