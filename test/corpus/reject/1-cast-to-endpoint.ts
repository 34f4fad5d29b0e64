// expect: SING1004 8:10
// A cast that forges an endpoint out of an unknown value.
import { defineProgram, type Imp } from 'sing/runtime';
import { Calculator } from 'sing/contracts/calculator';

/** Pretends that whatever it is given is a calculator endpoint. */
function forge(x: unknown): Imp<typeof Calculator> {
  return x as Imp<typeof Calculator>;
}

export default defineProgram({
  name: 'forges-endpoint',
  main() {
    return typeof forge === 'function' ? 0 : 1;
  },
});
