import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';
import type { AccessReportEntry } from '../../audit/oversight.js';
import type { AccessServices, RequestScope } from '../../disclosure/index.js';
import { audited } from '../../disclosure/index.js';
import { subjectAccessByIdentifier, subjectAccessDecisions, subjectIdentifier, type SubjectAccessReport } from '../../disclosure/subject-access.js';
import { GatewayError } from '../../errors.js';
import { PROTECTIVE_MARKING, winAnsi } from '../precis/render.js';

/**
 * A subject access report as a file to send: the same report whoAccessedByIdentifier answers (who
 * accessed the person's records at any agency, when, why, under which law), rendered as a PDF.
 * The audit event naming the file's SHA-256 is committed before the bytes are returned; if it
 * cannot be, no file is returned. The file name carries the time it was made, never the identifier.
 */

export const SUBJECT_ACCESS_MEDIA_TYPE = 'application/pdf';
/** The layout of the report (recorded with the export). */
export const SUBJECT_ACCESS_REPORT_VERSION = 1;

export interface SubjectAccessFile {
  mediaType: string;
  fileName: string;
  base64: string;
  sha256: string;
  bytes: number;
  accesses: number;
  persons: number;
  unavailable: number;
  auditEventId: string;
}

export interface SubjectAccessDocument {
  identifierLabel: string;
  identifier: string;
  generatedAt: string;
  generatedBy: string;
  report: SubjectAccessReport;
}

const VIA: Readonly<Record<string, string>> = {
  identifier: 'the record carries the identifier',
  match: 'matched to a record that does (certain or probable)',
  link: 'confirmed as the same enquiry subject',
};

const who = (a: AccessReportEntry): string =>
  `${a.actorName ?? a.actorId} (${a.actorId}${a.actorIssuer ? ` at ${a.actorIssuer}` : ''})${a.actorAgency ? `, ${a.actorAgency}` : ''}${a.roles.length ? `, ${a.roles.join(', ')}` : ''}`;

export async function renderSubjectAccessPdf(doc: SubjectAccessDocument): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: 72, bottom: 72, left: 64, right: 64 },
    bufferPages: true,
    info: { Title: 'Subject access report', Subject: PROTECTIVE_MARKING, Creator: 'mash-gateway', CreationDate: new Date(doc.generatedAt) },
  });
  const chunks: Buffer[] = [];
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    pdf.on('end', resolve);
    pdf.on('error', reject);
  });
  const width = pdf.page.width - 128;
  const fact = (label: string, value: string) => pdf.font('Helvetica-Bold').fontSize(10).text(`${label}: `, { continued: true }).font('Helvetica').text(winAnsi(value), { width });
  const heading = (text: string) => {
    pdf.moveDown(1);
    pdf.font('Helvetica-Bold').fontSize(13).text(text, { width });
    pdf.moveDown(0.3);
  };
  const line = (text: string) => pdf.font('Helvetica').fontSize(10).text(winAnsi(text), { width });

  const { report } = doc;
  pdf.font('Helvetica-Bold').fontSize(18).text('Subject access report', { width });
  pdf.moveDown(0.5);
  fact(doc.identifierLabel, doc.identifier);
  fact('Generated', `${doc.generatedAt} by ${doc.generatedBy}`);
  fact('Accesses', String(report.accesses.length));
  pdf.moveDown(0.3);
  line('Who accessed this person\'s records through the MASH gateway, when, for which purpose and under which legal basis. It lists the categories of information, never their content.');

  heading('Agency records of the person');
  if (report.persons.length === 0) line('No agency record was found for the identifier.');
  for (const p of report.persons) line(`${p.agency}: person ${p.personId} (${VIA[p.via] ?? p.via})`);

  if (report.unavailable.length > 0) {
    heading('Agencies that could not be asked');
    line('Their records of the person may be missing from this report.');
    for (const u of report.unavailable) line(`${u.agency}: ${u.reason}`);
  }

  heading('Accesses');
  if (report.accesses.length === 0) line('No access of these records is recorded.');
  report.accesses.forEach((a, i) => {
    pdf.font('Helvetica-Bold').fontSize(10).text(winAnsi(`${i + 1}. ${a.at}: ${a.operation}${a.breakGlass ? ' (BREAK-GLASS)' : ''}`), { width });
    line(`By ${who(a)}`);
    line(`Purpose: ${a.purpose ?? 'none recorded'}; legal basis: ${a.legalBasis ?? 'none recorded'}${a.enquiryId ? `; enquiry ${a.enquiryId}` : ''}`);
    if (a.categories.length > 0) line(`Categories: ${a.categories.join(', ')}`);
    line(`Records: ${a.persons.map((p) => `${p.agency} ${p.personId}`).join(', ') || 'none'}; audit event ${a.eventId}`);
    pdf.moveDown(0.4);
  });

  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    pdf.font('Helvetica-Bold').fontSize(9).text(PROTECTIVE_MARKING, 64, 32, { width, align: 'center', lineBreak: false });
    pdf.text(PROTECTIVE_MARKING, 64, pdf.page.height - 48, { width, align: 'center', lineBreak: false });
    pdf.font('Helvetica').fontSize(8).text(`Page ${i + 1} of ${range.count}`, 64, pdf.page.height - 36, { width, align: 'right', lineBreak: false });
    pdf.page.margins.bottom = bottom;
  }
  pdf.end();
  await ended;
  return Buffer.concat(chunks);
}

/** `subject-access-report-20261203T141502Z.pdf`: when it was made, nothing about the person. */
export const subjectAccessFileName = (generatedAt: string): string => `subject-access-report-${generatedAt.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')}.pdf`;

export type SubjectAccessExportServices = Pick<AccessServices, 'store' | 'audit' | 'logger' | 'policy' | 'now' | 'matcher'>;

/** Exports the subject access report for an NHS number or a UPN (role ig-officer; audited, refusals too). */
export async function exportSubjectAccessReport(services: SubjectAccessExportServices, scope: RequestScope, kind: string, value: string): Promise<SubjectAccessFile> {
  const label = kind === 'UPN' ? 'UPN' : 'NHS number';
  const { value: file, eventId } = await audited(services, scope, 'exportSubjectAccessReport', { reason: `subject access report by ${label}` }, async () => {
    if (!scope.actor.roles.includes('ig-officer')) throw new GatewayError('FORBIDDEN', 'A subject access report is for ig-officer.');
    const report = await subjectAccessByIdentifier({ federation: scope.federation, matcher: services.matcher, store: services.store }, kind, value);
    const generatedAt = services.now().toISOString();
    const bytes = await renderSubjectAccessPdf({
      identifierLabel: label,
      identifier: subjectIdentifier(kind, value).value,
      generatedAt,
      generatedBy: `${scope.actor.name ?? scope.actor.id}${scope.actor.agency ? ` (${scope.actor.agency})` : ''}`,
      report,
    });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const fileName = subjectAccessFileName(generatedAt);
    return {
      value: {
        mediaType: SUBJECT_ACCESS_MEDIA_TYPE,
        fileName,
        base64: bytes.toString('base64'),
        sha256,
        bytes: bytes.length,
        accesses: report.accesses.length,
        persons: report.persons.length,
        unavailable: report.unavailable.length,
      },
      event: {
        outcome: report.unavailable.length > 0 ? 'partial' : 'success',
        reason: `Exported a subject access report by ${label} as PDF, sha256 ${sha256}: ${report.persons.length} agency records, ${report.accesses.length} accesses.`,
        decisions: [
          ...subjectAccessDecisions(report),
          ...report.unavailable.map((u) => ({ agency: u.agency, category: `${u.agency}.identity`, decision: 'unavailable' as const, fields: [], recordIds: [], markers: 0, reason: u.reason })),
        ],
        document: { kind: 'subject-access-report', version: SUBJECT_ACCESS_REPORT_VERSION, format: 'PDF', mediaType: SUBJECT_ACCESS_MEDIA_TYPE, fileName, bytes: bytes.length, sha256 },
      },
    };
  });
  return { ...file, auditEventId: eventId };
}
