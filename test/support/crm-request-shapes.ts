/**
 * The CRMs' published request shapes, transcribed (read, not copied, and never called: there is
 * no network here) so that tests check the presets' requests against them.
 */
import * as z from 'zod';

/**
 * HubSpot CRM v3 contacts, "update a contact by ID or unique property value":
 * `PATCH /crm/v3/objects/contacts/{contactId}?idProperty=<property>`, body `SimplePublicObjectInput`.
 * From github.com/HubSpot/hubspot-api-nodejs, `codegen/crm/contacts/models/SimplePublicObjectInput.ts`
 * (`'properties': { [key: string]: string; }`: every property value is a string) and
 * `codegen/crm/contacts/apis/BasicApi.ts` (`update(contactId, simplePublicObjectInput, idProperty?)`,
 * path `/crm/v3/objects/contacts/{contactId}`, method PATCH).
 */
export const hubspotSimplePublicObjectInput = z.strictObject({
  properties: z.record(z.string(), z.string()),
});
export const HUBSPOT_UPDATE_CONTACT = {
  method: 'PATCH',
  path: /^\/crm\/v3\/objects\/contacts\/([^/]+)$/,
} as const;

/**
 * Salesforce REST API, "Upsert Records Using sObject Rows by External ID"
 * (developer.salesforce.com/docs/platform/api-rest/guide/resources-sobject-upsert-patch.html):
 * `PATCH /services/data/vXX.X/sobjects/{sObject}/{fieldName}/{fieldValue}`, body the record's
 * fields by API name (JSON scalars), which must not hold `Id` or the external id field itself;
 * `?updateOnly=true` (API v61.0 and later) updates an existing record and creates none.
 */
export const salesforceSObjectRecord = (externalIdField: string) =>
  z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a field API name'),
      z.union([z.string(), z.number(), z.boolean(), z.null()]),
    )
    .refine((record) => !('Id' in record) && !(externalIdField in record), {
      message: 'the body must not hold Id or the external id field',
    });
export const SALESFORCE_UPSERT_BY_EXTERNAL_ID = {
  method: 'PATCH',
  path: /^\/services\/data\/v(\d+)\.0\/sobjects\/Lead\/([A-Za-z][A-Za-z0-9_]*)\/([^/]+)$/,
} as const;
