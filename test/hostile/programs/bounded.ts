// Hostile programs (source text; the test kit compiles each with contracts.ts and probe.ts
// beside it, and programs-pass-the-verifier.test.ts asks the verifier about every one).

/** Starts a child and hands it to the host (it works when the program is trusted). */
function handOver(name: string, trusted: boolean): string {
  return `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: '${name}',
  trusted: ${trusted},
  console: true,
  async main({ abi, console }) {
    const child = abi.create('sleeper');
    abi.start(child);
    try { abi.handOver(child); console.log('handed ' + child.pid); } catch (e) { console.log('kept ' + (e as { code?: string }).code); }
    return 0;
  },
});
`;
}

export const PROGRAMS = {
  // Each copy starts two more, as fast as it can, and then waits for ever.
  replicator: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'replicator',
  console: true,
  async main({ abi, console }) {
    let refused = 0;
    for (let i = 0; i < 2; i++) {
      try { abi.start(abi.create('replicator')); } catch (e) { refused++; if (refused === 1) console.log('refused ' + (e as { code?: string }).code); }
    }
    for (;;) await abi.sleep(1000);
  },
});
`,
  // Opens channels until it is refused, then keeps trying now and then.
  channelflood: `
import { defineProgram } from 'sing/runtime';
import { Echo } from './contracts.ts';
async function flood(abi: { channel: (c: typeof Echo) => unknown; yield: () => Promise<void> }, console: { log: (s: string) => void }): Promise<never> {
  let opened = 0;
  let refused = 0;
  const keep = new Array<unknown>();
  for (;;) {
    try { keep.push(abi.channel(Echo)); opened++; }
    catch (e) { refused++; if (refused === 1) console.log('refused ' + (e as { code?: string }).code + ' after ' + opened); await abi.yield(); }
  }
}
export default defineProgram({
  name: 'channelflood',
  console: true,
  async main({ abi, console }) { await flood(abi, console); return 0; },
});
`,
  // Starts a child and hands it to the host (it is trusted), or tries to (it is not).
  handover: handOver('handover', true),
  plainhandover: handOver('plainhandover', false),
  sleeper: `
import { defineProgram } from 'sing/runtime';
export default defineProgram({
  name: 'sleeper',
  async main({ abi }) { for (;;) await abi.sleep(1000); },
});
`,
};
