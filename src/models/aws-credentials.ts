import { fromNodeProviderChain } from '@aws-sdk/credential-providers';

/** What the Bedrock package signs with (its `credentialProvider` option's result). */
export interface AwsSigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * SigV4 credentials from the AWS SDK's standard Node chain: environment variables, then
 * AWS_PROFILE / the shared config and credentials files (SSO, assume-role, credential_process),
 * web identity, and finally a container or instance role. The chain reads `process.env` and the
 * files itself — it cannot be given another environment.
 *
 * One chain per model build: the SDK memoises what it resolves (refreshing before expiry), so a
 * run's calls share one resolution while nothing is shared across runs or tenants.
 *
 * Credentials are resolved at the first call, not when the run is planned (a remote source can
 * take seconds to answer, or never, off AWS). Each resolution's secret parts are pushed to
 * `secrets`, the live list (AgentModel.secrets) scrubError reads when a failure is shown, so a refreshed
 * session token is scrubbed too.
 */
export function awsCredentialChain(secrets: string[]): () => Promise<AwsSigningCredentials> {
  const chain = fromNodeProviderChain();
  return async () => {
    let resolved: AwsSigningCredentials;
    try {
      resolved = await chain();
    } catch (err) {
      // The chain's own message says which sources it tried; nothing secret is in it.
      throw new Error(`no AWS credentials found by the standard chain (environment, AWS_PROFILE and the shared files, SSO, web identity, container or instance role): ${(err as Error).message}`, { cause: err });
    }
    for (const secret of [resolved.secretAccessKey, resolved.sessionToken]) {
      if (secret && !secrets.includes(secret)) secrets.push(secret);
    }
    return { accessKeyId: resolved.accessKeyId, secretAccessKey: resolved.secretAccessKey, ...(resolved.sessionToken && { sessionToken: resolved.sessionToken }) };
  };
}
