import { ApiError, errorMessage } from '../api/client';

export interface FormProblem {
  /** Message per form field, from the problem's `errors[]`. */
  fields: Record<string, string>;
  /** Messages to show above the form: the problem's detail when no field took a message, plus errors for fields the form lacks. */
  general: string[];
}

export const NO_PROBLEM: FormProblem = { fields: {}, general: [] };

/** Splits a failed request's error into messages beside the form's fields and messages for the whole form. */
export function describeProblem(error: unknown, formFields: readonly string[]): FormProblem {
  if (!(error instanceof ApiError)) return { fields: {}, general: [errorMessage(error)] };

  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const item of error.errors) {
    if (formFields.includes(item.field) && !fields[item.field]) fields[item.field] = item.message;
    else general.push(item.field ? `${item.field}: ${item.message}` : item.message);
  }
  if (Object.keys(fields).length === 0 && general.length === 0) general.push(errorMessage(error));
  return { fields, general };
}
