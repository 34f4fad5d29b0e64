// expect: SING2009 7:3
// setPrototypeOf on an object the program did not create changes how its owner's code behaves.
import { defineProgram } from 'sing/runtime';

/** Gives any object a new prototype. */
function retarget(o: object, proto: object): void {
  Reflect.setPrototypeOf(o, proto);
}

export default defineProgram({
  name: 'set-prototype-of',
  main() {
    retarget({}, {});
    return 0;
  },
});
