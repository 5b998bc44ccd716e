import { HttpError } from '@platform/platform';

type Form = Record<string, unknown>;

const field = (form: Form, name: string): string | undefined => {
  const value = form[name];
  const text = Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'string' ? value : undefined;
  return text === undefined || text.trim() === '' ? undefined : text;
};

export const formText = field;

function budgetFrom(form: Form) {
  const amount = field(form, 'budget_amount');
  const currency = field(form, 'budget_currency');
  if (amount === undefined && currency === undefined) return undefined;
  return { amount: amount === undefined ? Number.NaN : Number(amount), currency: currency ?? '' };
}

/** The landing page's form as the JSON body of POST /groups. */
export function createGroupFromForm(form: Form) {
  return {
    name: field(form, 'name') ?? '',
    admin_name: field(form, 'admin_name') ?? '',
    admin_email: field(form, 'admin_email'),
    mode: field(form, 'mode') ?? 'cycle',
    budget: budgetFrom(form),
    exchange_date: field(form, 'exchange_date'),
    admin_participates: field(form, 'organizer_only') === undefined,
  };
}

export function settingsFromForm(form: Form) {
  return {
    name: field(form, 'name') ?? '',
    mode: field(form, 'mode') ?? 'cycle',
    avoid_previous: field(form, 'avoid_previous') !== undefined,
    budget: budgetFrom(form) ?? null,
    exchange_date: field(form, 'exchange_date') ?? null,
  };
}

/** One wishlist item per line; a trailing http(s) address on a line is the item's link. */
export function wishlistFromForm(form: Form) {
  const lines = (typeof form.items === 'string' ? form.items : '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return {
    items: lines.map((line) => {
      const match = /^(.*\S)\s+(https?:\/\/\S+)$/.exec(line);
      return match ? { text: match[1]!, url: match[2]! } : { text: line };
    }),
  };
}

export function validationMessages(error: unknown): string[] {
  if (error instanceof HttpError && error.code === 'validation_failed' && Array.isArray(error.details)) {
    return (error.details as { path: string; message: string }[]).map((d) => `${d.path || 'form'}: ${d.message}`);
  }
  if (error instanceof HttpError) return [error.message];
  throw error;
}
