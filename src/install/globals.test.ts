// The written-out list of compartment globals is the compartment's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compartmentGlobals } from '../kernel/image.ts';
import { COMPARTMENT_GLOBALS } from './globals.ts';

test('COMPARTMENT_GLOBALS is exactly what a fresh compartment offers', () => {
  assert.deepEqual([...COMPARTMENT_GLOBALS].sort(), [...compartmentGlobals()].sort());
});
