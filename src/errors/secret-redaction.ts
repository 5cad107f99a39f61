/** What a secret is replaced by wherever text might carry one out (errors, tool results). */
export const REDACTED = '[redacted]';

/** `text` with every occurrence of every secret replaced. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join(REDACTED);
  return out;
}

export function mentionsSecret(text: string | undefined, secrets: readonly string[]): boolean {
  return text !== undefined && secrets.some((s) => s !== '' && text.includes(s));
}
