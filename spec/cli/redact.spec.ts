import { redactingStream } from '../../lib/cli/redact.js';
import { captureStream } from '../helpers/capture-io.js';

describe('redactingStream', () => {
  it('replaces every occurrence of a secret and keeps isTTY and columns', () => {
    const out = captureStream({ isTTY: true, columns: 99 });
    const stream = redactingStream(out, ['eyJ.secret.sig']);
    stream.write('Bearer eyJ.secret.sig and again eyJ.secret.sig\n');
    expect(out.text()).toBe('Bearer [redacted] and again [redacted]\n');
    expect(stream.isTTY).toBe(true);
    expect(stream.columns).toBe(99);
  });

  it('leaves text alone when no secret is long enough to be worth hiding', () => {
    const out = captureStream();
    redactingStream(out, ['', 'ab']).write('ab cd\n');
    expect(out.text()).toBe('ab cd\n');
  });

  it('redacts a secret added to the set after the stream was made (a refreshed token)', () => {
    const out = captureStream();
    const secrets = new Set(['fake-first-token']);
    const stream = redactingStream(out, secrets);
    stream.write('fake-rotated-token\n');
    secrets.add('fake-rotated-token');
    stream.write('fake-first-token fake-rotated-token\n');
    expect(out.text()).toBe('fake-rotated-token\n[redacted] [redacted]\n');
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const out = captureStream();
    redactingStream(out, ['abcd', 'abcdefgh']).write('abcdefgh\n');
    expect(out.text()).toBe('[redacted]\n');
  });
});
