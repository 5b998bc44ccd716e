import { HttpError, isPgError } from '@platform/platform';

export const unauthenticated = () => new HttpError(401, 'unauthenticated', 'Send Authorization: Bearer <member token>');
export const forbidden = () => new HttpError(403, 'forbidden', 'Only the group admin may do this');
export const notFoundError = (message = 'Not found') => new HttpError(404, 'not_found', message);
export const notDrawn = () => new HttpError(404, 'not_drawn', 'The group has no current draw');
export const notAssigned = () => new HttpError(404, 'not_assigned', 'You are not part of the current draw');
export const nameTaken = () => new HttpError(409, 'name_taken', 'Another member of the group already has this name');

/** Maps a unique violation of the per-group name index to 409 `name_taken`; rethrows anything else. */
export function rethrowNameTaken(error: unknown): never {
  if (isPgError(error, '23505') && (error as { constraint?: string }).constraint === 'members_name_unique') throw nameTaken();
  throw error;
}

export function validationError(path: string, message: string, where = 'query'): HttpError {
  return new HttpError(422, 'validation_failed', 'Invalid request', [{ path, message, code: 'custom', in: where }]);
}
