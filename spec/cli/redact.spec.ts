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

  it('passes the stream through when there is nothing worth hiding', () => {
    const out = captureStream();
    expect(redactingStream(out, ['', 'ab'])).toBe(out);
  });
});
