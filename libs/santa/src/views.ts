import { DRAW_ALGORITHM } from './draw';
import type { DrawRow, GroupRow, MemberRow } from './repository';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** pg returns `date` as local midnight; the local calendar fields are the stored date. */
export function dateOnly(value: Date | string | null): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}

export function budgetOf(group: GroupRow): { amount: number; currency: string } | null {
  return group.budget_amount === null || group.budget_currency === null
    ? null
    : { amount: Number(group.budget_amount), currency: group.budget_currency };
}

export function meView(member: MemberRow) {
  return {
    id: member.id,
    name: member.name,
    email: member.email,
    role: member.role,
    participating: member.participating,
    joined_at: iso(member.joined_at),
  };
}

export function memberView(member: MemberRow, forAdmin: boolean) {
  return {
    id: member.id,
    name: member.name,
    role: member.role,
    participating: member.participating,
    joined_at: iso(member.joined_at),
    ...(forAdmin ? { has_email: member.email !== null } : {}),
  };
}

export function drawSummary(draw: DrawRow) {
  return {
    id: draw.id,
    number: draw.number,
    status: draw.status,
    mode: draw.mode,
    avoid_previous: draw.avoid_previous,
    participant_count: draw.participant_count,
    algorithm: DRAW_ALGORITHM,
    commitment: draw.commitment,
    created_at: iso(draw.created_at),
    revealed_at: iso(draw.revealed_at),
  };
}

export type DrawSummary = ReturnType<typeof drawSummary>;

export function groupView(
  group: GroupRow,
  me: MemberRow,
  counts: { members: number; participants: number },
  draw: DrawRow | undefined,
  publicUrl: string,
) {
  const admin = me.role === 'admin';
  return {
    id: group.id,
    name: group.name,
    mode: group.mode,
    avoid_previous: group.avoid_previous,
    budget: budgetOf(group),
    exchange_date: dateOnly(group.exchange_date),
    status: !draw ? 'open' : draw.revealed_at ? 'revealed' : 'drawn',
    member_count: counts.members,
    participant_count: counts.participants,
    created_at: iso(group.created_at),
    draw: draw ? drawSummary(draw) : null,
    me: meView(me),
    ...(admin ? { invite_code: group.invite_code, invite_url: `${publicUrl}/santa/join/${group.invite_code}` } : {}),
  };
}

export { iso };
