// An idle process: blocks forever in receive on a channel of its own.
import { defineProgram } from 'sing/runtime';
import { Echo } from '../contracts.ts';

export default defineProgram({
  name: 'idler',
  async main({ abi }) {
    const { exp } = abi.channel(Echo);
    await exp.receive();
    return 0;
  },
});
