import test from 'ava';
import { COLUMNS_PER_ROW, insertChunks, insertLimits } from '../src/store/event-insert-chunks.ts';

const chunks = (lengths: number[], limits: { rows: number; payloadChars: number }) =>
  [...insertChunks(0, lengths.length, (i) => lengths[i], limits)];

test('rows per statement stay within each backend\'s bound-parameter limit', (t) => {
  t.is(insertLimits('sqlite').rows * COLUMNS_PER_ROW, 32_766);
  t.true(insertLimits('postgresql').rows * COLUMNS_PER_ROW <= 65_535);
  t.true(insertLimits('mysql').rows * COLUMNS_PER_ROW <= 65_535);
  t.true(insertLimits('mysql').payloadChars * 3 < 16 * 1024 * 1024, 'under MariaDB\'s default max_allowed_packet');
});

test('chunks are consecutive, cover every row once and respect the row limit', (t) => {
  const got = chunks(new Array(12).fill(1), { rows: 5, payloadChars: Number.POSITIVE_INFINITY });
  t.deepEqual(got, [[0, 5], [5, 10], [10, 12]]);
  t.deepEqual(chunks([], { rows: 5, payloadChars: 10 }), []);
});

test('chunks respect the payload budget, and a row larger than it goes alone', (t) => {
  t.deepEqual(chunks([4, 4, 4, 30, 1, 1], { rows: 100, payloadChars: 10 }), [[0, 2], [2, 3], [3, 4], [4, 6]]);
});
