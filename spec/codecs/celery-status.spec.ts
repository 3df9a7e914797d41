import { CeleryStatus } from '../../lib/codecs/index.js';

describe('CeleryStatus', () => {
  it.each(['PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED'])('knows %s', (s) => expect(CeleryStatus.is(s)).toBe(true));
  it('does not claim custom states', () => expect(CeleryStatus.is('PROGRESS')).toBe(false));
});
