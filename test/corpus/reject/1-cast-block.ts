// expect: SING1004 8:10
// A cast that forges an exchange-heap block out of a plain object.
import { defineProgram, type Bytes } from 'sing/runtime';

/** Pretends an ordinary object is a block the program owns. */
function forge(o: object): Bytes {
  const b = o;
  return b as Bytes;
}

export default defineProgram({
  name: 'forges-block',
  main() {
    return typeof forge === 'function' ? 0 : 1;
  },
});
