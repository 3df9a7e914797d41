import { of, asyncScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  checkBoolean,
  checkFunction,
  checkNumber,
  checkObject,
  checkObservable,
  checkScheduler,
  describeOptionValue,
  failOption,
  optionError,
} from '../lib/option-checks.js';

describe('describeOptionValue', () => {
  it.each<[unknown, string]>([
    [-1, '-1'],
    [Number.NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'undefined'],
    ['', 'an empty string'],
    ['Bearer s3cret-fake-token', 'a string'],
    [[1, 2], 'an array'],
    [{ a: 1 }, 'an object'],
    [() => 1, 'a function'],
    [10n, 'a bigint'],
    [Symbol('x'), 'a symbol'],
  ])('describes %p as %p, never quoting a string', (value, shown) => {
    expect(describeOptionValue(value)).toBe(shown);
  });
});

describe('optionError / failOption', () => {
  it('use the one format `option: must be …, got …`', () => {
    const error = optionError('retry.maxRetries', 'a whole number ≥ 0 or Infinity', 1.5);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('retry.maxRetries: must be a whole number ≥ 0 or Infinity, got 1.5');
    expect(() => failOption('myAdapter: secret', 'a non-empty string', 'fake-secret-value')).toThrow(
      new TypeError('myAdapter: secret: must be a non-empty string, got a string'),
    );
  });
});

describe('checkNumber', () => {
  it('passes undefined unless required, and returns the value', () => {
    expect(checkNumber('n', undefined)).toBeUndefined();
    expect(checkNumber('n', 5)).toBe(5);
    expect(() => checkNumber('n', undefined, { required: true })).toThrow('n: must be a finite number ≥ 0, got undefined');
  });

  it.each<[unknown, Parameters<typeof checkNumber>[2], string]>([
    [-1, {}, 'n: must be a finite number ≥ 0, got -1'],
    [Number.NaN, { infinity: true }, 'n: must be a number ≥ 0 or Infinity, got NaN'],
    [Infinity, {}, 'n: must be a finite number ≥ 0, got Infinity'],
    [0, { above: true }, 'n: must be a finite number > 0, got 0'],
    [1.5, { min: 1, integer: true }, 'n: must be a whole number ≥ 1, got 1.5'],
    [0, { min: 1, integer: true, infinity: true }, 'n: must be a whole number ≥ 1 or Infinity, got 0'],
    [2, { max: 1 }, 'n: must be a finite number ≥ 0 and ≤ 1, got 2'],
    ['5', {}, 'n: must be a finite number ≥ 0, got a string'],
    [Infinity, { min: Number.NEGATIVE_INFINITY }, 'n: must be a finite number, got Infinity'],
  ])('refuses %p under %j', (value, rule, message) => {
    expect(() => checkNumber('n', value, rule)).toThrow(new TypeError(message));
  });

  it.each<[number, Parameters<typeof checkNumber>[2]]>([
    [0, {}],
    [Infinity, { infinity: true }],
    [Infinity, { min: 1, integer: true, infinity: true }],
    [-5, { min: Number.NEGATIVE_INFINITY }],
    [1, { max: 1 }],
  ])('accepts %p under %j', (value, rule) => {
    expect(checkNumber('n', value, rule)).toBe(value);
  });
});

describe('the other checks', () => {
  it('checkFunction, checkBoolean, checkObservable pass undefined and the right kind, refuse the rest', () => {
    const f = (): number => 1;
    expect(checkFunction('f', f)).toBe(f);
    expect(checkFunction('f', undefined)).toBeUndefined();
    expect(() => checkFunction('f', 'x' as never, 'a function of the request')).toThrow('f: must be a function of the request, got a string');
    expect(checkBoolean('b', false)).toBe(false);
    expect(() => checkBoolean('b', 1)).toThrow('b: must be a boolean, got 1');
    const o$ = of(1);
    expect(checkObservable('hints', o$)).toBe(o$);
    expect(() => checkObservable('hints', 'soon' as never)).toThrow('hints: must be an Observable, got a string');
  });

  it('checkObject gives {} for undefined and refuses null, arrays and primitives', () => {
    expect(checkObject('options', undefined)).toEqual({});
    const options = { a: 1 };
    expect(checkObject('options', options)).toBe(options);
    expect(() => checkObject('options', null as never)).toThrow('options: must be an object, got null');
    expect(() => checkObject('options', [] as never)).toThrow('options: must be an object, got an array');
    expect(() => checkObject('retry', 5 as never, 'an object or false')).toThrow('retry: must be an object or false, got 5');
  });

  it('checkScheduler wants now() and schedule()', () => {
    expect(checkScheduler('scheduler', asyncScheduler)).toBe(asyncScheduler);
    const virtual = new TestScheduler(() => undefined);
    expect(checkScheduler('scheduler', virtual)).toBe(virtual);
    expect(() => checkScheduler('scheduler', { now: () => 0 } as never)).toThrow('scheduler: must be an RxJS SchedulerLike, got an object');
  });
});
