export { API_KEY_PREFIX, EXECUTE_SCOPE, generateApiKey, parseApiKey, hashSecret, secretMatches, type GeneratedApiKey } from './api-key';
export type { ApiKeyInfo, ApiKeyRecord, ApiKeyStore } from './api-key-store';
export { FileApiKeyStore, type CreateApiKeyOptions } from './file-api-key-store';
