import type { RequestHandler } from 'express';
import { buildOpenApiDocument } from './build-openapi-document';

export { buildOpenApiDocument, type OpenApiDocument } from './build-openapi-document';

/** The document as served, built once when the gateway loads. */
const OPENAPI_JSON = JSON.stringify(buildOpenApiDocument());

/** Serves the gateway's OpenAPI document (`GET /openapi.json`). */
export const serveOpenApiDocument: RequestHandler = (_req, res) => {
  res.type('application/json').send(OPENAPI_JSON);
};
