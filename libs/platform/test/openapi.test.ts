import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument } from '../src/openapi';
import { operation, PUBLIC } from '../src/operation';

const thing = z.object({ id: z.number(), parts: z.array(z.string()) }).meta({ id: 'Thing' });
const noop = () => undefined;

function document() {
  return buildOpenApiDocument({ title: 't', version: '1', description: 'd' }, 'https://api.test', [
    {
      prefix: '/m',
      tag: { name: 'm', description: 'A module' },
      securitySchemes: { mKey: { type: 'http', scheme: 'bearer' } },
      operations: [
        operation({ method: 'get', path: '/things/', summary: 'List', security: PUBLIC, responses: { 200: z.object({ things: z.array(thing) }) }, handler: noop }),
        operation({
          method: 'post',
          path: '/things',
          summary: 'Create',
          security: { schemes: ['mKey'] },
          request: { body: z.object({ name: z.string().optional() }) },
          body: { parser: 'json', limit: '1kb' },
          responses: { 201: thing },
          handler: noop,
        }),
      ],
    },
  ]) as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown> } };
}

describe('the OpenAPI document of operations', () => {
  it('hoists a schema with an id into one shared component, referenced wherever it is used', () => {
    const { paths, components } = document();
    expect(Object.keys(components.schemas).sort()).toEqual(['Error', 'Thing']);
    expect(paths['/m/things']!.post.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Thing' });
    expect(paths['/m/things']!.get.responses['200'].content['application/json'].schema.properties.things.items).toEqual({ $ref: '#/components/schemas/Thing' });
  });

  it('documents a path without its trailing slash, security per operation, and an optional body when {} validates', () => {
    const { paths } = document();
    expect(Object.keys(paths)).toEqual(['/m/things']);
    expect(paths['/m/things']!.get.security).toEqual([]);
    expect(paths['/m/things']!.post.security).toEqual([{ mKey: [] }]);
    expect(paths['/m/things']!.post.requestBody.required).toBe(false);
  });

  it('gives each error response an example of its own status, not one example for every error', () => {
    const { components } = document() as unknown as { components: { responses: Record<string, any> } };
    const example = (name: string) => components.responses[name]!.content['application/json'].example.error;
    expect(example('Unauthenticated')).toMatchObject({ code: 'unauthenticated', details: null });
    expect(example('ValidationFailed')).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path: 'name' })] });
  });

  it('refuses an operation naming a security scheme its module does not declare', () => {
    expect(() =>
      buildOpenApiDocument({ title: 't', version: '1', description: 'd' }, 'https://api.test', [
        { prefix: '', tag: { name: 'p', description: 'p' }, operations: [operation({ method: 'get', path: '/x', summary: 'x', security: { schemes: ['nope'] }, responses: {}, handler: noop })] },
      ]),
    ).toThrow(/undeclared security scheme nope/);
  });
});
