import { invalidOption } from './durations';
import type { CallbackFormField } from '../protocol/callback-messages';
import type { CreateCallbackOptions } from './types';

/**
 * Checks of the approval-page options of `createCallback` (`title`, `description`, `form`).
 * Sandbox-safe: plain data checks, no Node APIs.
 */

/** The longest accepted `title`. */
const MAX_TITLE_LENGTH = 200;

/** The longest accepted `description`. */
const MAX_DESCRIPTION_LENGTH = 4000;

/** The most inputs a `form` may have. */
const MAX_FORM_FIELDS = 20;

/** The most choices a `select` field may have. */
const MAX_SELECT_OPTIONS = 100;

/** The longest accepted field label or choice. */
const MAX_LABEL_LENGTH = 200;

/** A field name: safe as a form key and readable in the delivery's data. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** The body key the page's buttons use; no field may take it. */
const DECISION_FIELD = 'decision';

const FIELD_TYPES: ReadonlySet<string> = new Set(['text', 'textarea', 'number', 'select']);

/** What a callback entry keeps of the page options: only those given. */
export type PageOptions = Pick<CreateCallbackOptions, 'title' | 'description' | 'form'>;

function checkText(value: unknown, name: string, max: number): void {
  if (typeof value !== 'string' || value.length > max) throw invalidOption(`${name} must be a string of at most ${max} characters.`);
}

function checkField(field: CallbackFormField, index: number, seen: Set<string>): CallbackFormField {
  const at = `form[${index}]`;
  if (typeof field !== 'object' || field === null) throw invalidOption(`${at} must be an object like { name, label, type }.`);
  if (typeof field.name !== 'string' || !FIELD_NAME.test(field.name)) {
    throw invalidOption(`${at}.name must be a letter followed by up to 63 of A-Z a-z 0-9 _ . -; got ${JSON.stringify(field.name)}.`);
  }
  if (field.name === DECISION_FIELD) throw invalidOption(`${at}.name may not be '${DECISION_FIELD}': the page's buttons send it.`);
  if (seen.has(field.name)) throw invalidOption(`${at}.name '${field.name}' is used twice.`);
  seen.add(field.name);
  checkText(field.label, `${at}.label`, MAX_LABEL_LENGTH);
  if (!FIELD_TYPES.has(field.type)) throw invalidOption(`${at}.type must be 'text', 'textarea', 'number' or 'select'; got ${JSON.stringify(field.type)}.`);
  if (field.type === 'select') {
    const options = field.options;
    if (!Array.isArray(options) || options.length === 0 || options.length > MAX_SELECT_OPTIONS) {
      throw invalidOption(`${at}.options must list 1 to ${MAX_SELECT_OPTIONS} choices for a select field.`);
    }
    options.forEach((option, i) => checkText(option, `${at}.options[${i}]`, MAX_LABEL_LENGTH));
  } else if (field.options !== undefined) {
    throw invalidOption(`${at}.options is only for select fields.`);
  }
  if (field.required !== undefined && typeof field.required !== 'boolean') throw invalidOption(`${at}.required must be true or false.`);
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    ...(field.type === 'select' ? { options: [...field.options!] } : {}),
    ...(field.required ? { required: true } : {}),
  };
}

/**
 * Checks `title`, `description` and `form` and returns a copy of those given.
 * @throws `ApplicationFailure` of type `INVALID_CALLBACK_OPTIONS` when one is malformed.
 */
export function checkPageOptions(options: PageOptions): PageOptions {
  const checked: PageOptions = {};
  if (options.title !== undefined) {
    checkText(options.title, 'title', MAX_TITLE_LENGTH);
    checked.title = options.title;
  }
  if (options.description !== undefined) {
    checkText(options.description, 'description', MAX_DESCRIPTION_LENGTH);
    checked.description = options.description;
  }
  if (options.form !== undefined) {
    if (!Array.isArray(options.form) || options.form.length > MAX_FORM_FIELDS) throw invalidOption(`form must be an array of at most ${MAX_FORM_FIELDS} fields.`);
    const seen = new Set<string>();
    checked.form = options.form.map((field, index) => checkField(field, index, seen));
  }
  return checked;
}
