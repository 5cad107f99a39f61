import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Makes this test process's AWS credential chain hermetic, then sets `vars`: every AWS_*
 * variable of the surrounding shell is removed (a developer's AWS_PROFILE must not sign test
 * requests), the shared files point into an empty temporary directory unless `vars` names
 * them, and the instance metadata endpoint is disabled so the chain never leaves 127.0.0.1.
 * The SDK's chain reads process.env itself, hence the mutation: ava runs each test file in its
 * own worker process, so only that file sees it. Returns the restore function.
 */
export function isolateAwsEnv(vars: Record<string, string> = {}): { dir: string; restore: () => void } {
  const saved = Object.entries(process.env).filter(([name]) => name.startsWith('AWS_'));
  for (const [name] of saved) delete process.env[name];
  const dir = mkdtempSync(join(tmpdir(), 'cadre-aws-'));
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    ...vars,
  });
  const restore = () => {
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    Object.assign(process.env, Object.fromEntries(saved));
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, restore };
}
