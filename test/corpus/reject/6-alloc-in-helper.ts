// expect: SING6013 7:17
// The ABI handed to a helper is still the ABI: the helper's allocation needs a quota too.
import { defineProgram, type Abi } from 'sing/runtime';

function fill(abi: Abi, n: number): number {

  const block = abi.alloc(n);
  block.set(0, 7);
  const v = block.get(0);
  block.free();
  return v;
}

export default defineProgram({
  name: 'helper-alloc',
  main({ abi }) {
    return fill(abi, 16);
  },
});
