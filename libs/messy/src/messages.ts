import type { MessagesTable } from './db';
import { cityKey, type MessageInput } from './validation';

/** A message as it travels in an ingest job and lands in messy.messages. */
export type StoredMessage = Omit<MessagesTable, 'created_at' | 'persisted_at'> & {
  /** ISO 8601, when the server received the write. */
  created_at: string;
};

export function toStoredMessage(input: MessageInput, id: string, receivedAt: Date): StoredMessage {
  return {
    id,
    username: input.username,
    city: input.city,
    city_key: cityKey(input.city),
    state: input.state,
    message: input.message,
    created_at: receivedAt.toISOString(),
  };
}
