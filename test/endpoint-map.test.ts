// EndpointMap: one thread serving many clients (the program is the verifier corpus's accepted
// test/corpus/accept/linear-endpoint-map.ts, so the program the verifier passes is the one that
// runs), and what the map refuses: a moved-in handle stays dead, keys hold one endpoint each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { boot, within } from './kit.ts';

const MAPCALC = readFileSync(new URL('./corpus/accept/linear-endpoint-map.ts', import.meta.url), 'utf8');
const ADDER = readFileSync(new URL('../examples/demo/adder/main.ts', import.meta.url), 'utf8');

const MISUSE = `
import { defineProgram, EndpointMap, enumOf, type Imp } from 'sing/runtime';
import { Echo } from './contracts.ts';
export default defineProgram({
  name: 'misuse',
  parameters: { kind: enumOf('reuse', 'twice', 'empty') },
  console: true,
  async main({ abi, params, console }) {
    const m = new EndpointMap<string, Imp<typeof Echo>>();
    const { imp, exp } = abi.channel(Echo);
    if (params.kind === 'empty') {
      try { await m.receive(); } catch (e) { console.log((e as { code: string }).code); }
      return 0;
    }
    m.put('a', imp);
    if (params.kind === 'twice') {
      const other = abi.channel(Echo);
      try { m.put('a', other.imp); } catch (e) { console.log((e as { code: string }).code); }
      console.log(String(m.size));
      exp.close();
      return 0;
    }
    console.log('put');
    imp.send('Ping', { x: 1 }); // the handle moved into the map: this ends the process
    console.log('unreachable');
    exp.close();
    return 0;
  },
});`;

test('one thread serves three clients through an EndpointMap', async () => {
  const b = await boot({ mapcalc: MAPCALC, adder: ADDER });
  const server = b.k.spawn('mapcalc');
  const clients = [[1, 2], [30, 12], [100, -1]].map(([a, c]) => b.k.spawn('adder', { params: { a, b: c } }));
  for (const c of clients) assert.equal((await within(c.join())).code, 0);
  const st = await within(server.join());
  assert.deepEqual([st.state, st.code], ['exited', 0]);
  assert.deepEqual(b.texts('adder').sort(), ['1 + 2 = 3', '100 + -1 = 99', '30 + 12 = 42']);
  assert.equal(b.texts('mapcalc').filter((t) => /said bye/.test(t)).length, 3);
});

test('an endpoint moved into an EndpointMap is dead in the variable it came from', async () => {
  const b = await boot({ misuse: MISUSE });
  const p = b.k.spawn('misuse', { params: { kind: 'reuse' } });
  const st = await within(p.join());
  assert.deepEqual([st.state, st.reason], ['failed', 'protocol']);
  assert.deepEqual(b.texts('misuse'), ['put']);
});

test('a key holds one endpoint; an empty map has nothing to receive', async () => {
  const b = await boot({ misuse: MISUSE });
  assert.equal((await within(b.k.spawn('misuse', { params: { kind: 'twice' } }).join())).code, 0);
  assert.equal((await within(b.k.spawn('misuse', { params: { kind: 'empty' } }).join())).code, 0);
  assert.deepEqual(b.texts('misuse'), ['E_ENDPOINT_MAP', '1', 'E_ENDPOINT_MAP']);
});
