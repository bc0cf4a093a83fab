/** One check of the validated configuration: the field, its value, whether it passes and what is allowed. */
export interface Rule {
  readonly field: string;
  readonly value: unknown;
  readonly ok: boolean;
  readonly allowed: string;
}

export function integerIn(field: string, value: number, min: number, max: number, extra = ''): Rule {
  return {
    field,
    value,
    ok: Number.isInteger(value) && value >= min && value <= max,
    allowed: `must be an integer from ${min} to ${max}${extra}`,
  };
}

export function numberIn(field: string, value: number, min: number, max: number): Rule {
  return { field, value, ok: value >= min && value <= max, allowed: `must be a number from ${min} to ${max}` };
}

export function oneOf(field: string, value: unknown, allowed: readonly unknown[]): Rule {
  return { field, value, ok: allowed.includes(value), allowed: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` };
}
