import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ksscanf } from './ksscanf.js';

test('path form with domain: 4 conversions, %c not reached at end of input', () => {
  const r = ksscanf('0000:00:06.0', '%x:%x:%x.%x%c');
  assert.equal(r.ret, 4);
  assert.deepEqual(r.out.slice(0, 4), [0, 0, 6, 0]);
});

test('trailing character is caught by %c (5 conversions)', () => {
  assert.equal(ksscanf('0000:00:06.0,x', '%x:%x:%x.%x%c').ret, 5);
});

test('bus-only form stops at the mismatching literal', () => {
  assert.equal(ksscanf('3b:00.0', '%x:%x:%x.%x%c').ret, 2);
  assert.equal(ksscanf('3b:00.0', '%x:%x.%x%c').ret, 3);
});

test('%hx truncates to 16 bits, 0x prefix accepted, %n counts consumed characters', () => {
  const r = ksscanf('0x18086:10de;rest', '%hx:%hx%n');
  assert.equal(r.ret, 2);
  assert.deepEqual(r.out, [0x8086, 0x10de, 12]);
});

test('a non-hex first character stops the scan', () => {
  assert.equal(ksscanf('zz:00.0', '%x:%x.%x%c').ret, 0);
});
