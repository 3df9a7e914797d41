import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentExtension, writeTaskContent } from '../../lib/cli/write-content.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

describe('contentExtension', () => {
  it.each([
    ['%PDF-1.7\n', {}, 'pdf'],
    ['PK\x03\x04rest', {}, 'zip'],
    ['<?xml version="1.0"?>', {}, 'xml'],
    ['  <rsm:CrossIndustryInvoice', {}, 'xml'],
    ['{"a":1}', {}, 'json'],
    ['\x00\x01binary', { filename: 'invoice.XLSX' }, 'xlsx'],
    ['\x00\x01binary', { filename: '../../etc/passwd' }, 'bin'],
    ['\x00\x01binary', null, 'bin'],
  ])('%j with result %j → %s', (head, result, ext) => {
    expect(contentExtension(bytes(head), result)).toBe(ext);
  });
});

describe('writeTaskContent', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fprx-write-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the directory and writes <taskId>.<ext>, leaving no partial file', async () => {
    const id = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
    const path = await writeTaskContent(join(dir, 'nested', 'out'), id, bytes('%PDF-1.4 test'), {});
    expect(path).toBe(join(dir, 'nested', 'out', `${id}.pdf`));
    expect((await readFile(path)).toString('latin1')).toBe('%PDF-1.4 test');
    expect(await readdir(join(dir, 'nested', 'out'))).toEqual([`${id}.pdf`]);
  });
});
