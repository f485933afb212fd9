import { createPrecisService, type ExportFormat, type PrecisVersionInfo, type ShownContent } from '../../workspace/precis/index.js';
import type { GatewayContext } from '../context.js';

/** The précis and its export: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */

const shapeInfo = (info: PrecisVersionInfo) => ({ ...info, changes: info.changes.map((c) => ({ key: c.key, change: c.change.toUpperCase() })) });

const shapeContent = (content: ShownContent) => ({
  title: content.title,
  sections: content.sections.map((section) => ({
    ...section,
    statements: section.statements.map((statement) => ({ ...statement, kind: statement.kind.toUpperCase() })),
  })),
});

const service = (ctx: GatewayContext) => createPrecisService(ctx.services);

export const precisResolvers = {
  Query: {
    precis: async (_: unknown, args: { enquiryId: string }, ctx: GatewayContext) => {
      const draft = await service(ctx).draft(ctx, args.enquiryId);
      return { enquiryId: draft.enquiry.id, content: shapeContent(draft.content), latestVersion: draft.latestVersion, disclosureEventId: draft.disclosureEventId, auditEventId: draft.auditEventId };
    },
    precisVersions: async (_: unknown, args: { enquiryId: string }, ctx: GatewayContext) => (await service(ctx).versions(ctx, args.enquiryId)).map(shapeInfo),
    precisVersion: async (_: unknown, args: { enquiryId: string; version: number }, ctx: GatewayContext) => {
      const read = await service(ctx).read(ctx, args.enquiryId, args.version);
      return { info: shapeInfo(read.version), content: shapeContent(read.content), unavailable: read.unavailable, auditEventId: read.auditEventId };
    },
  },
  Mutation: {
    savePrecis: async (_: unknown, args: { enquiryId: string; baseVersion: number; content: unknown }, ctx: GatewayContext) =>
      shapeInfo((await service(ctx).save(ctx, args.enquiryId, args.baseVersion, args.content)).version),
    exportPrecis: async (_: unknown, args: { enquiryId: string; version: number; format: ExportFormat }, ctx: GatewayContext) =>
      service(ctx).export(ctx, args.enquiryId, args.version, args.format),
  },
};
