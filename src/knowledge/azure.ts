/** Facts about Microsoft Entra workload identity federation (reference/azure.md). */

/**
 * The token-exchange audiences Entra documents, one per cloud: public, US Government (Fairfax), China
 * (Mooncake), USNat, USSec (MicrosoftDocs/entra-docs `docs/workload-id/workload-identity-federation-config-app-trust-managed-identity.md`;
 * azure.md §2 names the public-cloud value as the recommended one).
 */
export const ENTRA_TOKEN_EXCHANGE_AUDIENCES: readonly string[] = [
  'api://AzureADTokenExchange',
  'api://AzureADTokenExchangeUSGov',
  'api://AzureADTokenExchangeChina',
  'api://AzureADTokenExchangeUSNat',
  'api://AzureADTokenExchangeUSSec',
];
