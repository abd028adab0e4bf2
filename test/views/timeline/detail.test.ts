// The detail pane's rows: every flow of the spike tagged with its rule, sorted and filtered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowRows, logRows } from '../../../src/views/timeline/detail.js';
import { wrapText } from '../../../src/views/timeline/Cells.js';
import { compactCount, headerLine } from '../../../src/views/timeline/FlowsTable.js';
import { dayModel } from './synthetic.js';

const spike = dayModel().spikes[0];

test('flows are tagged with the rule that explained them, the rest unexplained', () => {
  const rows = flowRows(spike, 'bytes', '');
  assert.deepEqual(rows.map((r) => [r.flow.src, r.rule]), [
    ['192.168.134.56', 'ftp_upload'],
    ['192.168.200.77', undefined],
  ]);
});

test('s sorts by bytes, packets, start or duration', () => {
  assert.equal(flowRows(spike, 'duration', '')[0].flow.src, '192.168.200.77');
  assert.equal(flowRows(spike, 'pkts', '')[0].flow.src, '192.168.134.56');
  assert.deepEqual(flowRows(spike, 'start', '').map((r) => r.flow.start), [...flowRows(spike, 'start', '')].map((r) => r.flow.start).sort((a, b) => a - b));
  assert.match(headerLine('pkts'), /pkts▼/);
});

test('the filter keeps flows by host or rule, log lines by service or text', () => {
  assert.deepEqual(flowRows(spike, 'bytes', '200.77').map((r) => r.flow.src), ['192.168.200.77']);
  assert.deepEqual(flowRows(spike, 'bytes', 'unexplained').map((r) => r.flow.src), ['192.168.200.77']);
  assert.deepEqual(flowRows(spike, 'bytes', 'FTP_UPLOAD').map((r) => r.flow.src), ['192.168.134.56']);
  assert.equal(logRows(spike, '').length, 1);
  assert.equal(logRows(spike, 'ftp').length, 1);
  assert.equal(logRows(spike, 'backup.tar').length, 1);
  assert.equal(logRows(spike, 'smtp').length, 0);
});

test('text wraps at spaces, hard only inside a word longer than the line', () => {
  assert.deepEqual(wrapText('one two three', 8), ['one two', 'three']);
  assert.deepEqual(wrapText('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  assert.deepEqual(wrapText('', 4), ['']);
});

test('packet counts fit six columns', () => {
  assert.equal(compactCount(68916), '68916');
  assert.equal(compactCount(526755), '527k');
  assert.equal(compactCount(2501219), '2.50M');
  assert.equal(compactCount(25012190), '25.0M');
});
