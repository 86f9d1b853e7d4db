/**
 * A small JSON-Schema (OpenAPI 3.0 / AsyncAPI subset) checker for our responses: $ref (with
 * sibling `nullable`), allOf, oneOf (exactly one), anyOf, type, nullable, enum, const, required,
 * properties, additionalProperties, items, minItems / maxItems, minimum / maximum (and the
 * exclusive forms), minLength / maxLength, pattern, and the formats date-time, uuid and int32.
 * Unknown properties are reported too unless the schema allows them (OpenAPI allows them by
 * default, but an unknown field here usually means a typo). Its own tests:
 * schema-validator.test.ts.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Schema = Record<string, unknown>;

export interface Issue {
  path: string;
  problem: string;
}

const SPEC_DIR = new URL('../../../fixtures/kalshi-spec/', import.meta.url);
const loaded = new Map<string, Record<string, Schema>>();
let active: Record<string, Schema> = {};

function load(spec: 'openapi.yaml' | 'asyncapi.yaml'): Record<string, Schema> {
  let components = loaded.get(spec);
  if (!components) {
    const doc = parse(readFileSync(new URL(spec, SPEC_DIR), 'utf8')) as {
      components: { schemas: Record<string, Schema> };
    };
    components = doc.components.schemas;
    loaded.set(spec, components);
  }
  return components;
}

function schemas(): Record<string, Schema> {
  return active;
}

function resolve(schema: Schema): Schema {
  let current = schema;
  for (let i = 0; i < 20 && typeof current.$ref === 'string'; i += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = schemas()[name];
    if (!target) throw new Error(`unknown schema ${name}`);
    current = target;
  }
  return current;
}

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-](\d\d):(\d\d))$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeName(type: unknown): string {
  return typeof type === 'string' ? type : JSON.stringify(type);
}

function matches(value: unknown, schema: Schema, path: string): boolean {
  const sub: Issue[] = [];
  check(value, schema, path, sub);
  return sub.length === 0;
}

/**
 * `isPart`: checking one allOf member, whose properties are only part of the object's; unknown
 * properties are judged once, against all members together, by the schema holding the allOf.
 */
function check(value: unknown, raw: Schema, path: string, issues: Issue[], isPart = false): void {
  const schema = resolve(raw);
  if (value === null) {
    if (schema.nullable !== true && raw.nullable !== true)
      issues.push({ path, problem: 'null but not nullable' });
    return;
  }
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf as Schema[]) check(value, part, path, issues, true);
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((o) => matches(value, o, path)))
    issues.push({ path, problem: 'matches none of anyOf' });
  if (Array.isArray(schema.oneOf)) {
    const count = (schema.oneOf as Schema[]).filter((o) => matches(value, o, path)).length;
    if (count === 0) issues.push({ path, problem: 'matches none of oneOf' });
    else if (count > 1) issues.push({ path, problem: `matches ${count} of oneOf (exactly one allowed)` });
  }
  const type = schema.type;
  const actual = typeOf(value);
  if (type !== undefined && !(type === actual || (type === 'number' && actual === 'integer'))) {
    issues.push({ path, problem: `expected ${typeName(type)}, got ${actual}` });
    return;
  }
  if ('const' in schema && schema.const !== value)
    issues.push({ path, problem: `${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}` });
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    issues.push({ path, problem: `${JSON.stringify(value)} not in enum` });
  if (typeof value === 'string') checkString(value, schema, path, issues);
  if (typeof value === 'number') checkNumber(value, schema, path, issues);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      issues.push({ path, problem: `${value.length} items, fewer than minItems ${schema.minItems}` });
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      issues.push({ path, problem: `${value.length} items, more than maxItems ${schema.maxItems}` });
    if (schema.items)
      value.forEach((item, i) => check(item, schema.items as Schema, `${path}[${i}]`, issues));
  }
  if (actual === 'object') checkObject(value as Record<string, unknown>, schema, path, issues, isPart);
}

/** RFC 3339 date-time, fields in range (no 2026-02-30, no 24:00). */
function isDateTime(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const isOffsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    isOffsetOk
  );
}

function checkString(value: string, schema: Schema, path: string, issues: Issue[]): void {
  if (schema.format === 'date-time' && !isDateTime(value))
    issues.push({ path, problem: `not RFC 3339: ${value}` });
  if (schema.format === 'uuid' && !UUID.test(value)) issues.push({ path, problem: `not a uuid: ${value}` });
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
    issues.push({ path, problem: `${JSON.stringify(value)} does not match pattern ${schema.pattern}` });
  if (typeof schema.minLength === 'number' && value.length < schema.minLength)
    issues.push({ path, problem: `shorter than minLength ${schema.minLength}` });
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
    issues.push({ path, problem: `longer than maxLength ${schema.maxLength}` });
}

function checkNumber(value: number, schema: Schema, path: string, issues: Issue[]): void {
  if (typeof schema.minimum === 'number') {
    // OpenAPI 3.0 spells an exclusive bound as a boolean next to minimum/maximum; 3.1 as a number.
    const isExclusive = schema.exclusiveMinimum === true;
    if (isExclusive ? value <= schema.minimum : value < schema.minimum)
      issues.push({ path, problem: `${value} is below minimum ${schema.minimum}` });
  }
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum)
    issues.push({ path, problem: `${value} is not above exclusiveMinimum ${schema.exclusiveMinimum}` });
  if (typeof schema.maximum === 'number') {
    const isExclusive = schema.exclusiveMaximum === true;
    if (isExclusive ? value >= schema.maximum : value > schema.maximum)
      issues.push({ path, problem: `${value} is above maximum ${schema.maximum}` });
  }
  if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum)
    issues.push({ path, problem: `${value} is not below exclusiveMaximum ${schema.exclusiveMaximum}` });
  if (schema.format === 'int32' && (value < -(2 ** 31) || value > 2 ** 31 - 1))
    issues.push({ path, problem: `${value} is out of int32 range` });
}

/**
 * Required fields and property values are checked per schema (an allOf member checks its own);
 * a name no member declares is checked against additionalProperties, or reported as unknown by
 * the schema that holds the allOf, never by one member alone.
 */
function checkObject(
  object: Record<string, unknown>,
  schema: Schema,
  path: string,
  issues: Issue[],
  isPart: boolean,
): void {
  const own = (schema.properties as Record<string, Schema> | undefined) ?? null;
  if (Array.isArray(schema.required))
    for (const name of schema.required as string[])
      if (!(name in object)) issues.push({ path: `${path}.${name}`, problem: 'required but missing' });
  const declared = collectProperties(schema);
  const extra = schema.additionalProperties;
  for (const [name, v] of Object.entries(object)) {
    const prop = own?.[name];
    if (prop) check(v, prop, `${path}.${name}`, issues);
    else if (declared?.[name])
      continue; // an allOf member declares and checks it
    else if (typeof extra === 'object' && extra !== null)
      check(v, extra as Schema, `${path}.${name}`, issues);
    else if (extra === false || (extra === undefined && declared !== null && !isPart))
      issues.push({ path: `${path}.${name}`, problem: 'not in schema' });
  }
}

function collectProperties(schema: Schema): Record<string, Schema> | null {
  let props: Record<string, Schema> | null =
    (schema.properties as Record<string, Schema> | undefined) ?? null;
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf as Schema[]) {
      const inner = collectProperties(resolve(part));
      if (inner) props = { ...(props ?? {}), ...inner };
    }
  }
  return props;
}

/** Validate against a component schema of openapi.yaml (default) or asyncapi.yaml. */
export function validate(
  schemaName: string,
  value: unknown,
  spec: 'openapi.yaml' | 'asyncapi.yaml' = 'openapi.yaml',
): Issue[] {
  return validateAgainst({ $ref: `#/components/schemas/${schemaName}` }, value, load(spec), schemaName);
}

/** Validate against a schema given inline, its $refs pointing into `components` (the checker's own tests). */
export function validateAgainst(
  schema: Schema,
  value: unknown,
  components: Record<string, Schema> = {},
  path = '$',
): Issue[] {
  active = components;
  const issues: Issue[] = [];
  check(value, schema, path, issues);
  return issues;
}
