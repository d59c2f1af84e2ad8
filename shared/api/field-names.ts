/**
 * Names that would shadow Object.prototype members. A record carrying one is not a plain object
 * to the DynamoDB marshaller (it reads `value.constructor`), so they are refused up front.
 */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'toString',
  'valueOf',
]);

export const isReservedFieldName = (name: string) => RESERVED_FIELD_NAMES.has(name);
