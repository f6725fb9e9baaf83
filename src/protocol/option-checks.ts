// Checking a constructor's options when the object is built, so that a bad value throws to the caller
// there, never later from a socket handler. Shared by every layer above (web and Node), so nothing here
// touches the platform.
//
// The two error classes:
// - TypeError: the value has the wrong type or shape (a string where a number goes, an object without
//   the methods it needs, a required field missing);
// - RangeError: the type is right but the value is not one the option takes (a negative size, a window
//   of 20 bits, a policy name we do not know, a string that is not an origin).
// Every message names the option (dotted for nested ones: `heartbeat.timeoutMs`) and the value given.
// Options a table does not list are left alone: ws accepts keys it does not know, and so do we.

/**
 * How one option is checked (never with undefined: an option left out is not checked). `check` throws a
 * TypeError or RangeError whose message says the value must be `expected`; a combinator passes its own,
 * wider description (orNull, orBoolean).
 */
export interface OptionRule {
  readonly expected: string;
  check(value: unknown, name: string, expected?: string): void;
}

/** The rules of an options object, one per option name. */
export type OptionRules<T> = { readonly [K in keyof T]-?: OptionRule };

/** The longest prefix of a string value quoted in a message. */
const QUOTED_MAX_CHARS = 60;

/** A short description of any value, for error messages: `"abc"`, `-1`, `undefined`, `a function`, `an array`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const quoted = JSON.stringify(value.length > QUOTED_MAX_CHARS ? `${value.slice(0, QUOTED_MAX_CHARS)}…` : value);
      return `the string ${quoted}`;
    }
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return value.name ? `the function ${value.name}` : 'a function';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
      const constructorName = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof constructorName === 'string' && constructorName !== 'Object' ? `a ${constructorName}` : 'an object';
    }
    default:
      return String(value);
  }
}

export function optionTypeError(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${name} must be ${expected}, got ${describeValue(value)}`);
}

export function optionRangeError(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(`${name} must be ${expected}, got ${describeValue(value)}`);
}

/**
 * Checks `options` against `rules`: the object itself (undefined and null are an empty object), then each
 * option that is not undefined. `name` prefixes nested option names ('perMessageDeflate').
 */
export function checkOptions<T>(options: unknown, rules: OptionRules<T>, name = 'options'): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw optionTypeError(name, 'an object', options);
  for (const key of Object.keys(rules) as (keyof T & string)[]) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) rules[key].check(value, fieldName(name, key));
  }
}

/** A nested option's name: `heartbeat.timeoutMs`; the top level's fields go by their own names. */
function fieldName(parent: string, key: string): string {
  return parent === 'options' ? key : `${parent}.${key}`;
}

/** A rule from its description and a test that says what is wrong with a value: its type, its range, or nothing. */
export function rule(expected: string, problem: (value: unknown) => 'type' | 'range' | null): OptionRule {
  return {
    expected,
    check(value, name, wider = expected) {
      const found = problem(value);
      if (found === 'type') throw optionTypeError(name, wider, value);
      if (found === 'range') throw optionRangeError(name, wider, value);
    },
  };
}

export const isBoolean = rule('true or false', (value) => (typeof value === 'boolean' ? null : 'type'));

export const isFunction = rule('a function', (value) => (typeof value === 'function' ? null : 'type'));

export const isString = rule('a string', (value) => (typeof value === 'string' ? null : 'type'));

/** An integer from min to max (both included), as a number. */
export function isInteger(min: number, max = Number.MAX_SAFE_INTEGER): OptionRule {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return rule(expected, (value) => {
    if (typeof value !== 'number') return 'type';
    return Number.isInteger(value) && value >= min && value <= max ? null : 'range';
  });
}

/**
 * A size limit in bytes: an integer >= 0 (0: no limit), or Infinity, which ws reads as no limit too (it
 * truncates the option to an integer), so ws code that passes `maxPayload: Infinity` keeps working.
 */
export const isByteLimit: OptionRule = rule('an integer >= 0 (0: no limit) or Infinity', (value) => {
  if (typeof value !== 'number') return 'type';
  return value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0) ? null : 'range';
});

/** The longest delay setTimeout keeps: a longer one fires at once (Node warns, browsers say nothing). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay in milliseconds for a timer: positive (or, with allowZero, 0: off), finite, at most MAX_TIMER_MS. */
export function isMilliseconds({ allowZero }: { allowZero: boolean }): OptionRule {
  const expected = allowZero
    ? `a number of milliseconds from 0 to ${MAX_TIMER_MS}`
    : `a positive number of milliseconds (at most ${MAX_TIMER_MS})`;
  return rule(expected, (value) => {
    if (typeof value !== 'number') return 'type';
    return (allowZero ? value >= 0 : value > 0) && value <= MAX_TIMER_MS ? null : 'range';
  });
}

/** One of a few strings. */
export function isOneOf(...choices: readonly string[]): OptionRule {
  return rule(`one of ${choices.map((choice) => `'${choice}'`).join(', ')}`, (value) => {
    if (typeof value !== 'string') return 'type';
    return choices.includes(value) ? null : 'range';
  });
}

/** An object with these methods (a structural check, for adapters and clients passed in). */
export function hasMethods(...methods: readonly string[]): OptionRule {
  const expected = `an object with the methods ${methods.join(', ')}`;
  return {
    expected,
    check(value, name, wider = expected) {
      if (typeof value !== 'object' || value === null) throw optionTypeError(name, wider, value);
      for (const method of methods)
        isFunction.check((value as Record<string, unknown>)[method], fieldName(name, method));
    },
  };
}

/** A nested options object: every field checked by its rule, those listed in `required` present. */
export function isObjectOf<T>(rules: OptionRules<T>, required: readonly (keyof T & string)[] = []): OptionRule {
  const expected = `an object { ${Object.keys(rules).join(', ')} }`;
  return {
    expected,
    check(value, name, wider = expected) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw optionTypeError(name, wider, value);
      }
      for (const key of required) {
        const field = (value as Record<string, unknown>)[key];
        if (field === undefined) throw optionTypeError(fieldName(name, key), rules[key].expected, field);
      }
      checkOptions(value, rules, name);
    },
  };
}

/** true or false, or what `inner` accepts (perMessageDeflate: an object too; window bits: a number too). */
export function orBoolean(inner: OptionRule): OptionRule {
  const expected = `true, false or ${inner.expected}`;
  return {
    expected,
    check(value, name, wider = expected) {
      if (typeof value !== 'boolean') inner.check(value, name, wider);
    },
  };
}

/** null (ws's "not set" for several options), or what `inner` accepts. */
export function orNull(inner: OptionRule): OptionRule {
  return {
    expected: inner.expected,
    check(value, name, wider = inner.expected) {
      if (value !== null) inner.check(value, name, wider);
    },
  };
}

/**
 * What `inner` accepts, or a non-empty array of such values, each checked by `inner` under its own name
 * (`perMessageDeflate[1].threshold`): a client's list of permessage-deflate offers.
 */
export function orNonEmptyListOf(inner: OptionRule): OptionRule {
  const expected = `${inner.expected}, or a non-empty array of them`;
  return {
    expected,
    check(value, name, wider = expected) {
      if (!Array.isArray(value)) {
        inner.check(value, name, wider);
        return;
      }
      if (value.length === 0) throw optionRangeError(name, wider, value);
      value.forEach((item, index) => {
        inner.check(item, `${name}[${index}]`);
      });
    },
  };
}
