/**
 * A small JSON-Schema (OpenAPI 3.0 / AsyncAPI 2 subset) checker for our responses: $ref, allOf/oneOf/anyOf,
 * type, nullable, enum, const, required, properties, items, format date-time. Unknown properties are
 * reported too (OpenAPI allows them, but an unknown field here usually means a typo).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

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

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function check(value: unknown, raw: Schema, path: string, issues: Issue[]): void {
  const schema = resolve(raw);
  if (value === null) {
    if (schema.nullable !== true && raw.nullable !== true)
      issues.push({ path, problem: 'null but not nullable' });
    return;
  }
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf as Schema[]) check(value, part, path, issues);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const isAny = (options as Schema[]).some((o) => {
        const sub: Issue[] = [];
        check(value, o, path, sub);
        return sub.length === 0;
      });
      if (!isAny) issues.push({ path, problem: `matches none of ${key}` });
    }
  }
  const type = schema.type as string | undefined;
  const actual = typeOf(value);
  if (type && !(type === actual || (type === 'number' && actual === 'integer'))) {
    issues.push({ path, problem: `expected ${type}, got ${actual}` });
    return;
  }
  if ('const' in schema && schema.const !== value)
    issues.push({ path, problem: `${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}` });
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    issues.push({ path, problem: `${JSON.stringify(value)} not in enum` });
  if (schema.format === 'date-time' && typeof value === 'string' && !RFC3339.test(value))
    issues.push({ path, problem: `not RFC 3339: ${value}` });
  if (actual === 'array' && schema.items)
    (value as unknown[]).forEach((item, i) => check(item, schema.items as Schema, `${path}[${i}]`, issues));
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = collectProperties(schema);
    for (const name of collectRequired(schema))
      if (!(name in object)) issues.push({ path: `${path}.${name}`, problem: 'required but missing' });
    if (properties) {
      for (const [name, v] of Object.entries(object)) {
        const prop = properties[name];
        if (prop) check(v, prop, `${path}.${name}`, issues);
        else issues.push({ path: `${path}.${name}`, problem: 'not in schema' });
      }
    }
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

function collectRequired(schema: Schema): string[] {
  const own = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const inherited = Array.isArray(schema.allOf)
    ? (schema.allOf as Schema[]).flatMap((p) => collectRequired(resolve(p)))
    : [];
  return [...own, ...inherited];
}

/** Validate against a component schema of openapi.yaml (default) or asyncapi.yaml. */
export function validate(
  schemaName: string,
  value: unknown,
  spec: 'openapi.yaml' | 'asyncapi.yaml' = 'openapi.yaml',
): Issue[] {
  active = load(spec);
  const issues: Issue[] = [];
  check(value, { $ref: `#/components/schemas/${schemaName}` }, schemaName, issues);
  return issues;
}
