// An idle process: blocks forever in receive on a channel of its own.
import { defineProgram } from 'sing/runtime';
import { Echo } from '../contracts.ts';

export default defineProgram({
  name: 'idler',
  async main({ abi }) {
    const { imp, exp } = abi.channel(Echo);
    const m = await exp.receive(); // never arrives: nobody sends on imp
    imp.close();
    if (m.tag !== '$closed') m.ep.close();
    return 0;
  },
});
