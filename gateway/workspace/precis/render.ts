import { AlignmentType, Document, FootnoteReferenceRun, Footer, Header, HeadingLevel, Packer, PageNumber, Paragraph, TextRun } from 'docx';
import PDFDocument from 'pdfkit';
import { OTHER_AGENCY } from '../contacts/index.js';
import type { PrecisReference, StatementKind } from './content.js';
import { readableDate } from './dates.js';

/**
 * The précis as a document people use (PDF, DOCX): title, enquiry reference, purpose and legal
 * basis, the protective marking in every header and footer, generated at and by, the sections,
 * statements with footnoted references, page numbers. Rendered from what the reader may see now
 * (statements whose sources no longer resolve arrive already replaced), never from agency data.
 */

export const PROTECTIVE_MARKING = 'OFFICIAL-SENSITIVE';
export const UNAVAILABLE_TEXT = 'No longer available under the current purpose.';

export type ExportFormat = 'PDF' | 'DOCX';
export const MEDIA_TYPES: Readonly<Record<ExportFormat, string>> = {
  PDF: 'application/pdf',
  DOCX: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/**
 * A contact-log entry a statement cites, as the gate shows it to the reader now: when, how, with
 * whom and where. Each part is null when the reader may not see it (or it was not recorded).
 */
export interface ContactSource {
  occurredAt: string | null;
  /** The channel's label (Phone call, Email, ...). */
  channel: string | null;
  contactName: string | null;
  contactRole: string | null;
  /** A connected agency, or `other` (then the organisation names who it was). */
  agency: string;
  organisation: string | null;
}

/** A cited source; a contact-log entry carries what names it in the document. */
export type RenderedReference = PrecisReference & { contact?: ContactSource };

export interface RenderedStatement {
  kind: StatementKind;
  text: string;
  relevance: string | null;
  references: RenderedReference[];
  available: boolean;
}

export interface PrecisDocument {
  title: string;
  enquiryId: string;
  referralReference: string;
  purpose: string;
  legalBasis: string;
  version: number;
  savedAt: string;
  savedBy: string;
  generatedAt: string;
  generatedBy: string;
  /** Set when the enquiry is closed: the précis is exported read-only as the decision's record. */
  closedAt: string | null;
  sections: { heading: string; statements: RenderedStatement[]; analysis: string | null }[];
}

/**
 * A contact-log entry named as a reader can use it: "Contact log: Phone call on 25 November 2026, 15:30
 * with Dr Asha Patel (GP), health (Riverside Surgery)". Another organisation is named by its name.
 */
export function contactSourceText(contact: ContactSource): string {
  const how = contact.channel ?? 'Contact';
  const when = contact.occurredAt ? ` on ${readableDate(contact.occurredAt)}` : '';
  const who = contact.contactName ? ` with ${contact.contactName}${contact.contactRole ? ` (${contact.contactRole})` : ''}` : contact.contactRole ? ` with the ${contact.contactRole}` : '';
  const where = contact.agency === OTHER_AGENCY ? (contact.organisation ?? 'another organisation') : `${contact.agency}${contact.organisation ? ` (${contact.organisation})` : ''}`;
  return `Contact log: ${how}${when}${who}, ${where}`;
}

const footnoteText = (reference: RenderedReference): string =>
  `${reference.contact ? `${contactSourceText(reference.contact)}; ` : ''}${reference.ref}, ${reference.category}: disclosed under audit event ${reference.auditEventId}.`;

function facts(doc: PrecisDocument): [string, string][] {
  return [
    ['Enquiry reference', doc.referralReference],
    ['Enquiry id', doc.enquiryId],
    ['Purpose', doc.purpose],
    ['Legal basis', doc.legalBasis],
    ['Version', `${doc.version}, saved ${doc.savedAt} by ${doc.savedBy}`],
    ['Generated', `${doc.generatedAt} by ${doc.generatedBy}`],
    ...(doc.closedAt ? ([['Enquiry closed', `${doc.closedAt}: read-only record of the decision`]] as [string, string][]) : []),
  ];
}

const statementPrefix = (s: RenderedStatement): string => (!s.available ? '' : s.kind === 'withheld' ? 'Withheld: ' : s.kind === 'note' ? 'Note: ' : '');

// ---- PDF (pdfkit) --------------------------------------------------------------------------------

/** Characters pdfkit's standard fonts can show (WinAnsi); others lose their accent or become "?". */
const WIN_ANSI_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ']);
/** Letters Unicode does not decompose into a base letter and an accent. */
const NO_DECOMPOSITION: Readonly<Record<string, string>> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŀ: 'L', ŀ: 'l', Ŧ: 'T', ŧ: 't', ĸ: 'k' };
export function winAnsi(text: string): string {
  let out = '';
  for (const ch of text.replace(/\t/g, ' ')) {
    const code = ch.codePointAt(0)!;
    if (ch === '\n' || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch)) {
      out += ch;
      continue;
    }
    const base = (NO_DECOMPOSITION[ch] ?? ch).normalize('NFD').replace(/\p{M}/gu, '');
    out += [...base].every((c) => c.codePointAt(0)! >= 0x20 && c.codePointAt(0)! <= 0x7e) && base.length > 0 ? base : '?';
  }
  return out;
}

export async function renderPdf(doc: PrecisDocument): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: 72, bottom: 72, left: 64, right: 64 },
    bufferPages: true,
    info: { Title: winAnsi(doc.title), Subject: PROTECTIVE_MARKING, Creator: 'mash-gateway', CreationDate: new Date(doc.generatedAt) },
  });
  const chunks: Buffer[] = [];
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    pdf.on('end', resolve);
    pdf.on('error', reject);
  });
  const width = pdf.page.width - 128;

  pdf.font('Helvetica-Bold').fontSize(18).text(winAnsi(doc.title), { width });
  pdf.moveDown(0.5);
  for (const [label, value] of facts(doc)) {
    pdf.font('Helvetica-Bold').fontSize(10).text(`${label}: `, { continued: true }).font('Helvetica').text(winAnsi(value), { width });
  }
  let footnote = 0;
  for (const section of doc.sections) {
    pdf.moveDown(1);
    pdf.font('Helvetica-Bold').fontSize(13).text(winAnsi(section.heading), { width });
    pdf.moveDown(0.3);
    const notes: string[] = [];
    for (const statement of section.statements) {
      const marks = statement.references.map((r) => {
        notes.push(`[${++footnote}] ${footnoteText(r)}`);
        return `[${footnote}]`;
      });
      if (!statement.available) pdf.font('Helvetica-Oblique').fontSize(10).text(UNAVAILABLE_TEXT, { width });
      else pdf.font('Helvetica').fontSize(10).text(`${statementPrefix(statement)}${winAnsi(statement.text)}${marks.length ? ` ${marks.join('')}` : ''}`, { width });
      if (statement.available && statement.relevance) pdf.font('Helvetica-Oblique').fontSize(9).fillColor('#444444').text(`Why it is relevant: ${winAnsi(statement.relevance)}`, { width }).fillColor('black');
      pdf.moveDown(0.3);
    }
    if (section.analysis) {
      pdf.font('Helvetica-Bold').fontSize(10).text('Analysis', { width });
      pdf.font('Helvetica').fontSize(10).text(winAnsi(section.analysis), { width });
    }
    if (notes.length > 0) {
      pdf.moveDown(0.3);
      pdf.font('Helvetica').fontSize(8);
      for (const line of notes) pdf.text(winAnsi(line), { width });
    }
  }

  // Header and footer on every page, written once the page count is known.
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

// ---- DOCX (docx) ---------------------------------------------------------------------------------

/** Text with line breaks as runs (Word needs explicit breaks). */
function runs(text: string, options: { bold?: boolean; italics?: boolean; size?: number; color?: string } = {}): TextRun[] {
  return text.split(/\r?\n/).map((line, i) => new TextRun({ text: line, ...(i > 0 ? { break: 1 } : {}), ...options }));
}

export async function renderDocx(doc: PrecisDocument): Promise<Buffer> {
  const footnotes: Record<number, { children: Paragraph[] }> = {};
  let footnote = 0;
  const children: Paragraph[] = [
    new Paragraph({ heading: HeadingLevel.TITLE, children: runs(doc.title) }),
    ...facts(doc).map(([label, value]) => new Paragraph({ children: [new TextRun({ text: `${label}: `, bold: true }), ...runs(value)] })),
  ];
  for (const section of doc.sections) {
    children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, children: runs(section.heading) }));
    for (const statement of section.statements) {
      if (!statement.available) {
        children.push(new Paragraph({ children: runs(UNAVAILABLE_TEXT, { italics: true }) }));
        continue;
      }
      const refs = statement.references.map((r) => {
        footnotes[++footnote] = { children: [new Paragraph({ children: runs(footnoteText(r)) })] };
        return new FootnoteReferenceRun(footnote);
      });
      const prefix = statementPrefix(statement);
      children.push(new Paragraph({ children: [...(prefix ? [new TextRun({ text: prefix, bold: true })] : []), ...runs(statement.text), ...refs] }));
      if (statement.relevance) children.push(new Paragraph({ children: runs(`Why it is relevant: ${statement.relevance}`, { italics: true, size: 18, color: '444444' }) }));
    }
    if (section.analysis) {
      children.push(new Paragraph({ heading: HeadingLevel.HEADING_2, children: runs('Analysis') }));
      children.push(new Paragraph({ children: runs(section.analysis) }));
    }
  }
  const marking = () => new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: PROTECTIVE_MARKING, bold: true })] });
  const document = new Document({
    creator: 'mash-gateway',
    title: doc.title,
    subject: PROTECTIVE_MARKING,
    footnotes,
    sections: [
      {
        headers: { default: new Header({ children: [marking()] }) },
        footers: {
          default: new Footer({
            children: [marking(), new Paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun({ children: ['Page ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES] })] })],
          }),
        },
        children,
      },
    ],
  });
  return Packer.toBuffer(document);
}
