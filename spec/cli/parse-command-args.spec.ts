import { parseCommandArgs, parseSeed } from '../../lib/cli/parse-command-args.js';
import { UsageError } from '../../lib/cli/usage-error.js';

describe('parseCommandArgs', () => {
  const options = { seed: { type: 'string' }, json: { type: 'boolean', default: false } } as const;

  it('parses the options of a subcommand', () => {
    expect(parseCommandArgs('demo', ['--seed', '7', '--json'], options)).toEqual({ seed: '7', json: true });
    expect(parseCommandArgs('demo', [], options)).toEqual({ json: false });
  });

  it.each([[['--nope']], [['positional']], [['--seed']]])('turns %j into a UsageError of that command', (args) => {
    expect(() => parseCommandArgs('demo', args, options)).toThrow(UsageError);
    expect(() => parseCommandArgs('simulate', args, options)).toThrow(expect.objectContaining({ command: 'simulate' }));
  });
});

describe('parseSeed', () => {
  it.each<[string | undefined, number | string | undefined]>([
    [undefined, undefined],
    ['42', 42],
    ['demo-1', 'demo-1'],
    ['4.2', '4.2'],
  ])('%p gives %p', (text, seed) => expect(parseSeed(text)).toBe(seed));
});
