import { BoundedBytes } from '../../lib/http/bounded-bytes.js';

describe('BoundedBytes', () => {
  it('collects chunks of any byte kind, a lone chunk without a copy', () => {
    const lone = new Uint8Array([1, 2, 3]);
    const one = new BoundedBytes(10);
    expect(one.push(lone)).toBe(true);
    expect(one.bytes()).toBe(lone);
    const many = new BoundedBytes(10);
    expect(many.push(Buffer.from([1]))).toBe(true);
    expect(many.push(new Uint8Array([2]).buffer)).toBe(true);
    expect(many.push('é')).toBe(true);
    expect([...many.bytes()]).toEqual([1, 2, 0xc3, 0xa9]);
    expect(many.total).toBe(4);
    expect(new BoundedBytes(1).bytes()).toHaveLength(0);
  });

  it('says false, keeping nothing more, once the body is past the limit (the limit itself passes)', () => {
    const body = new BoundedBytes(4);
    expect(body.push(new Uint8Array(4))).toBe(true);
    expect(body.push(new Uint8Array(1))).toBe(false);
    expect(body.bytes()).toHaveLength(4);
    expect(body.total).toBe(5);
  });

  it('refuses a chunk that is not bytes with a TypeError', () => {
    expect(() => new BoundedBytes(10).push(42)).toThrow(TypeError);
  });
});
