import { openApiPaths, type OperationSpec } from '@platform/platform';
import { z } from 'zod';
import { faultConfigSchema } from './faults';
import { addSnackBody, loginBody, nameBody, pageQuery, quantityBody, responses, signUpBody } from './schemas';

const drawerParams = z.object({ id: z.string() });
const contentParams = z.object({ id: z.string(), snackId: z.string() });
const idempotent = ['Idempotency-Key'];

export function snackdrawerOpenApi(faultApi: boolean) {
  const operations: OperationSpec[] = [
    { method: 'post', path: '/auth/users', summary: 'Sign up', body: signUpBody, headers: idempotent, responses: { 201: responses.user } },
    { method: 'post', path: '/auth/login', summary: 'Log in: a bearer token', body: loginBody, responses: { 200: responses.token } },
    { method: 'get', path: '/auth/me', summary: 'The caller', headers: ['x-access-token'], responses: { 200: responses.me } },
    { method: 'get', path: '/snacks', summary: 'The snack catalogue, by ascending id', query: pageQuery, responses: { 200: responses.snacks } },
    { method: 'get', path: '/snacks/:id', summary: 'One snack', params: z.object({ id: z.string() }), responses: { 200: responses.snack } },
    { method: 'post', path: '/snacks', summary: 'Add a snack to the catalogue', body: nameBody, headers: idempotent, responses: { 201: responses.snack } },
    {
      method: 'get',
      path: '/drawers',
      summary: "The caller's drawers",
      query: pageQuery,
      security: ['snackdrawerJwt'],
      responses: { 200: responses.drawers },
    },
    { method: 'post', path: '/drawers', summary: 'Create a drawer', body: nameBody, headers: idempotent, responses: { 201: responses.drawer } },
    { method: 'get', path: '/drawers/:id', summary: 'One drawer with its contents', params: drawerParams, responses: { 200: responses.drawer } },
    { method: 'patch', path: '/drawers/:id', summary: 'Rename a drawer', params: drawerParams, body: nameBody, responses: { 200: responses.drawer } },
    { method: 'delete', path: '/drawers/:id', summary: 'Delete a drawer', params: drawerParams, responses: { 204: null } },
    {
      method: 'post',
      path: '/drawers/:id',
      summary: 'Seed alias of POST /drawers/{id}/snacks',
      params: drawerParams,
      body: addSnackBody,
      headers: idempotent,
      responses: { 200: responses.added, 201: responses.added },
    },
    {
      method: 'post',
      path: '/drawers/:id/snacks',
      summary: 'Add a snack to a drawer (201 new, 200 quantity grew)',
      params: drawerParams,
      body: addSnackBody,
      headers: idempotent,
      responses: { 200: responses.added, 201: responses.added },
    },
    {
      method: 'patch',
      path: '/drawers/:id/snacks/:snackId',
      summary: "Set a snack's quantity in a drawer",
      params: contentParams,
      body: quantityBody,
      responses: { 200: responses.drawer },
    },
    { method: 'delete', path: '/drawers/:id/snacks/:snackId', summary: 'Take a snack out of a drawer', params: contentParams, responses: { 204: null } },
  ];
  if (faultApi) {
    operations.push(
      { method: 'get', path: '/admin/faults', summary: 'Fault injection configuration', responses: { 200: faultConfigSchema } },
      { method: 'put', path: '/admin/faults', summary: 'Replace the fault configuration', body: faultConfigSchema, responses: { 200: faultConfigSchema } },
      { method: 'delete', path: '/admin/faults', summary: 'Switch every fault off', responses: { 204: null } },
    );
  }
  return openApiPaths('snackdrawer', operations);
}
