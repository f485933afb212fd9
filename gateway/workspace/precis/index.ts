export { PRECIS_LIMITS, contentHash, parseContent, sectionChanges, type PrecisContent, type PrecisReference, type PrecisSection, type PrecisStatement, type SectionChange, type StatementKind } from './content.js';
export { buildDraft } from './draft.js';
export { MEDIA_TYPES, PROTECTIVE_MARKING, UNAVAILABLE_TEXT, contactSourceText, renderDocx, renderPdf, type ContactSource, type ExportFormat, type PrecisDocument, type RenderedReference } from './render.js';
export { createPrecisRepository, type PrecisRepository, type PrecisVersionInfo, type StoredPrecisVersion } from './repository.js';
export { createPrecisService, type PrecisDraft, type PrecisExport, type PrecisRead, type PrecisService, type PrecisServices, type ShownContent } from './service.js';
