import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ApiError } from '../../api';
import { asApiError, DisclosedUnder, ErrorSummary, formatDateTime, Loading, SuccessBanner, useMutation, usePageTitle, useQuery } from '../../components/common';
import { agencyName, describedBy, Field, fieldError, FormErrorSummary, MissingEnquiry, subjectLabel, useWorkEnquiry, useWorkParams, WorkHeading } from '../../components/work-common';
import { graphql } from '../../gql';
import type { PrecisContentInput, PrecisFormat, PrecisReferenceInput, PrecisStatementKind } from '../../gql/graphql';
import { useSession } from '../../session';

const PrecisDraftQuery = graphql(`
  query ConsolePrecisDraft($enquiryId: ID!) {
    precis(enquiryId: $enquiryId) {
      latestVersion
      auditEventId
      content {
        ...ConsolePrecisContent
      }
    }
  }
`);

graphql(`
  fragment ConsolePrecisContent on PrecisContent {
    title
    sections {
      key
      heading
      subjectId
      agency
      analysis
      statements {
        id
        kind
        text
        relevance
        available
        references {
          ref
          auditEventId
          category
          subjectId
          fields
          personId
        }
        withheld {
          agency
          category
          subjectId
        }
      }
    }
  }
`);

const PrecisVersionQuery = graphql(`
  query ConsolePrecisVersion($enquiryId: ID!, $version: Int!) {
    precisVersion(enquiryId: $enquiryId, version: $version) {
      unavailable
      info {
        version
      }
      content {
        ...ConsolePrecisContent
      }
    }
  }
`);

const PrecisVersionsQuery = graphql(`
  query ConsolePrecisVersions($enquiryId: ID!) {
    precisVersions(enquiryId: $enquiryId) {
      version
      savedAt
      savedByName
      savedBy
      changes {
        key
        change
      }
    }
  }
`);

const SavePrecisMutation = graphql(`
  mutation ConsoleSavePrecis($enquiryId: ID!, $baseVersion: Int!, $content: PrecisContentInput!) {
    savePrecis(enquiryId: $enquiryId, baseVersion: $baseVersion, content: $content) {
      version
    }
  }
`);

const ExportPrecisMutation = graphql(`
  mutation ConsoleExportPrecis($enquiryId: ID!, $version: Int!, $format: PrecisFormat!) {
    exportPrecis(enquiryId: $enquiryId, version: $version, format: $format) {
      version
      format
      mediaType
      fileName
      base64
      bytes
      unavailable
    }
  }
`);

interface Statement {
  id: string;
  kind: PrecisStatementKind;
  text: string;
  relevance: string | null;
  available: boolean;
  references: PrecisReferenceInput[];
  withheld: { agency: string; category: string; subjectId: string } | null;
}

interface Section {
  key: string;
  heading: string;
  subjectId: string | null;
  agency: string | null;
  analysis: string;
  statements: Statement[];
}

interface Editing {
  title: string;
  sections: Section[];
}

interface LoadedContent {
  title: string;
  sections: readonly {
    key: string;
    heading: string;
    subjectId?: string | null;
    agency?: string | null;
    analysis?: string | null;
    statements: readonly {
      id: string;
      kind: PrecisStatementKind;
      text: string;
      relevance?: string | null;
      available: boolean;
      references: readonly { ref: string; auditEventId: string; category: string; subjectId: string; fields: readonly string[]; personId?: string | null }[];
      withheld?: { agency: string; category: string; subjectId: string } | null;
    }[];
  }[];
}

function editable(content: LoadedContent): Editing {
  return {
    title: content.title,
    sections: content.sections.map((section) => ({
      key: section.key,
      heading: section.heading,
      subjectId: section.subjectId ?? null,
      agency: section.agency ?? null,
      analysis: section.analysis ?? '',
      statements: section.statements.map((statement) => ({
        id: statement.id,
        kind: statement.kind,
        text: statement.text,
        relevance: statement.relevance ?? null,
        available: statement.available,
        references: statement.references.map((reference) => ({
          ref: reference.ref,
          auditEventId: reference.auditEventId,
          category: reference.category,
          subjectId: reference.subjectId,
          fields: [...reference.fields],
          ...(reference.personId ? { personId: reference.personId } : {}),
        })),
        withheld: statement.withheld ? { agency: statement.withheld.agency, category: statement.withheld.category, subjectId: statement.withheld.subjectId } : null,
      })),
    })),
  };
}

/** What is saved: statements no longer available to the reader are left out (they have no source to cite). */
function asInput(content: Editing): PrecisContentInput {
  return {
    title: content.title,
    sections: content.sections.map((section) => ({
      key: section.key,
      heading: section.heading,
      ...(section.subjectId ? { subjectId: section.subjectId } : {}),
      ...(section.agency ? { agency: section.agency } : {}),
      ...(section.analysis.trim() ? { analysis: section.analysis } : {}),
      statements: section.statements
        .filter((statement) => statement.available)
        .map((statement) => ({
          id: statement.id,
          kind: statement.kind,
          text: statement.text,
          ...(statement.relevance ? { relevance: statement.relevance } : {}),
          ...(statement.kind === 'KNOWN' ? { references: statement.references } : {}),
          ...(statement.kind === 'WITHHELD' && statement.withheld ? { withheld: statement.withheld } : {}),
        })),
    })),
  };
}

const MEDIA_TYPES: Record<PrecisFormat, string> = {
  PDF: 'application/pdf',
  DOCX: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

const CHANGE_WORDS: Record<string, string> = { ADDED: 'added', CHANGED: 'changed', REMOVED: 'removed' };

/**
 * The précis for the strategy discussion: drafted by the gateway from what the agencies disclose,
 * edited here (the researcher's analysis, notes and statements citing the draft's sources), saved
 * as versions (a save made from an older version than the latest is refused, and says so), and
 * exported as PDF or Word.
 */
export function PrecisScreen() {
  usePageTitle('Précis');
  const params = useWorkParams(false);
  if (params === undefined) return <MissingEnquiry title="Précis" perSubject={false} />;
  return <PrecisEditor enquiryId={params.enquiryId} />;
}

function PrecisEditor({ enquiryId }: { enquiryId: string }) {
  const { api } = useSession();
  const enquiry = useWorkEnquiry(enquiryId);
  const versions = useQuery(PrecisVersionsQuery, { enquiryId });
  const save = useMutation(SavePrecisMutation);
  const exporter = useMutation(ExportPrecisMutation);
  const [content, setContent] = useState<Editing | undefined>(undefined);
  const [baseVersion, setBaseVersion] = useState(0);
  const [origin, setOrigin] = useState('');
  const [loadError, setLoadError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [saved, setSaved] = useState<number | undefined>(undefined);
  const [exported, setExported] = useState<string | undefined>(undefined);
  const [exportProblem, setExportProblem] = useState<string | undefined>(undefined);
  const started = useRef(false);

  const loadDraft = useCallback(async () => {
    setLoading(true);
    setLoadError(undefined);
    try {
      const { precis } = await api.request(PrecisDraftQuery, { enquiryId });
      setContent(editable(precis.content));
      setBaseVersion(precis.latestVersion);
      setOrigin(precis.latestVersion === 0 ? 'A fresh draft from what the agencies share now. Nothing is saved yet.' : `A fresh draft from what the agencies share now; saving it makes version ${precis.latestVersion + 1}.`);
      setSaved(undefined);
    } catch (error) {
      setLoadError(asApiError(error));
    } finally {
      setLoading(false);
    }
  }, [api, enquiryId]);

  const loadVersion = useCallback(
    async (version: number) => {
      setLoading(true);
      setLoadError(undefined);
      try {
        const { precisVersion } = await api.request(PrecisVersionQuery, { enquiryId, version });
        setContent(editable(precisVersion.content));
        setBaseVersion(precisVersion.info.version);
        setOrigin(
          `Version ${version}, as saved${precisVersion.unavailable > 0 ? `; ${precisVersion.unavailable} ${precisVersion.unavailable === 1 ? 'statement is' : 'statements are'} no longer available under the current purpose and will be left out when you save` : ''}.`,
        );
        setSaved(undefined);
        save.clearError();
      } catch (error) {
        setLoadError(asApiError(error));
      } finally {
        setLoading(false);
      }
    },
    [api, enquiryId, save],
  );

  // The latest saved version when there is one, else a fresh draft.
  useEffect(() => {
    if (started.current || versions.data === undefined) return;
    started.current = true;
    const latest = versions.data.precisVersions.at(-1);
    void (latest ? loadVersion(latest.version) : loadDraft());
  }, [versions.data, loadVersion, loadDraft]);

  // The sources the draft cites, for a new statement to cite too.
  const sources = useMemo(() => {
    const byRef = new Map<string, PrecisReferenceInput>();
    for (const section of content?.sections ?? []) for (const statement of section.statements) for (const reference of statement.references) if (!byRef.has(reference.ref)) byRef.set(reference.ref, reference);
    return [...byRef.values()].sort((a, b) => a.ref.localeCompare(b.ref));
  }, [content]);

  const update = (change: (draft: Editing) => Editing) => setContent((current) => (current ? change(current) : current));
  const updateSection = (key: string, change: (section: Section) => Section) => update((draft) => ({ ...draft, sections: draft.sections.map((section) => (section.key === key ? change(section) : section)) }));

  async function onSave() {
    if (!content) return;
    setSaved(undefined);
    const answer = await save.run({ enquiryId, baseVersion, content: asInput(content) });
    if (answer) {
      setBaseVersion(answer.savePrecis.version);
      setSaved(answer.savePrecis.version);
      setOrigin(`Version ${answer.savePrecis.version}, as you saved it.`);
      versions.reload();
    } else {
      // Someone may have saved meanwhile: the history shows their version.
      versions.reload();
    }
  }

  async function onExport(version: number, format: PrecisFormat) {
    setExported(undefined);
    setExportProblem(undefined);
    const answer = await exporter.run({ enquiryId, version, format });
    if (!answer) return;
    const file = answer.exportPrecis;
    if (file.mediaType !== MEDIA_TYPES[format]) {
      setExportProblem(`The gateway answered with a ${file.mediaType} file for ${format}: it was not downloaded.`);
      return;
    }
    const bytes = Uint8Array.from(atob(file.base64), (character) => character.charCodeAt(0));
    const extension = format === 'PDF' ? 'pdf' : 'docx';
    // The gateway's name holds no personal data (the enquiry id and version); anything else is replaced.
    const name = /^precis-[A-Za-z0-9-]+-v\d+\.(pdf|docx)$/.test(file.fileName) ? file.fileName : `precis-v${file.version}.${extension}`;
    const url = URL.createObjectURL(new Blob([bytes], { type: file.mediaType }));
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.className = 'govuk-visually-hidden';
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setExported(`Version ${file.version} downloaded as ${name} (${Math.ceil(file.bytes / 1024)} KB)${file.unavailable > 0 ? `; ${file.unavailable} statements no longer available were replaced` : ''}.`);
  }

  const conflict = save.error?.code === 'CONFLICT' ? save.error : undefined;
  // The outcome of a save is shown at the top of a long page: focus moves there, as GOV.UK banners do.
  const banner = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (conflict || saved !== undefined) banner.current?.focus();
  }, [conflict, saved]);
  const currentVersion = typeof conflict?.details.currentVersion === 'number' ? conflict.details.currentVersion : undefined;
  const subjects = enquiry.data?.enquiry.subjects ?? [];
  const list = versions.data?.precisVersions ?? [];

  return (
    <>
      <WorkHeading title="Précis" enquiry={enquiry.data?.enquiry} error={enquiry.error} />
      {enquiry.data ? <DisclosedUnder purpose={enquiry.data.enquiry.purpose} legalBasis={enquiry.data.enquiry.legalBasis} /> : null}
      {saved !== undefined ? (
        <SuccessBanner heading={<>The précis is saved as version {saved}.</>} bannerRef={banner} />
      ) : null}
      {conflict ? (
        <div className="govuk-notification-banner" role="alert" aria-labelledby="precis-conflict-title" data-module="govuk-notification-banner" data-testid="precis-conflict" ref={banner} tabIndex={-1}>
          <div className="govuk-notification-banner__header">
            <h2 className="govuk-notification-banner__title" id="precis-conflict-title">
              Not saved
            </h2>
          </div>
          <div className="govuk-notification-banner__content">
            <p className="govuk-notification-banner__heading">
              Someone else saved {currentVersion !== undefined ? `version ${currentVersion}` : 'a newer version'} of this précis after you started editing version {baseVersion}. Your changes are not saved.
            </p>
            <p className="govuk-body">Your changes are still below: copy what you need, then load the latest version and add them to it.</p>
            {currentVersion !== undefined ? (
              <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onClick={() => void loadVersion(currentVersion)}>
                Load version {currentVersion} (your changes will be lost)
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
      {save.error && !conflict ? <FormErrorSummary error={save.error} fieldIds={{ 'content.title': 'precis-title' }} /> : null}
      {loadError ? <ErrorSummary error={loadError} /> : null}
      {versions.error ? <ErrorSummary error={versions.error} /> : null}
      {loading ? <Loading what="the précis" /> : null}

      {content && !loading ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void onSave();
          }}
          noValidate
        >
          <p className="govuk-body" data-testid="precis-origin">
            {origin}
          </p>
          <Field id="precis-title" label="Title" error={fieldError(save.error, 'content.title')} labelClass="govuk-label--s">
            <input className="govuk-input" id="precis-title" value={content.title} onChange={(event) => update((draft) => ({ ...draft, title: event.target.value }))} aria-describedby={describedBy('precis-title', false, fieldError(save.error, 'content.title'))} />
          </Field>
          {content.sections.map((section, index) => (
            <SectionEditor
              key={section.key}
              section={section}
              index={index}
              subjects={subjects}
              sources={sources}
              onChange={(change) => updateSection(section.key, change)}
            />
          ))}
          <div className="govuk-button-group">
            <button type="submit" className="govuk-button" data-module="govuk-button" disabled={save.running}>
              Save as a new version
            </button>
            <button type="button" className="govuk-button govuk-button--secondary" onClick={() => void loadDraft()}>
              Start again from a fresh draft
            </button>
          </div>
        </form>
      ) : null}

      <h2 className="govuk-heading-l">Saved versions</h2>
      {exporter.error ? <ErrorSummary error={exporter.error} /> : null}
      {exportProblem ? (
        <div className="govuk-error-summary" role="alert">
          <h2 className="govuk-error-summary__title">The file was not downloaded</h2>
          <div className="govuk-error-summary__body">
            <p className="govuk-body">{exportProblem}</p>
          </div>
        </div>
      ) : null}
      {exported ? (
        <p className="govuk-body" role="status" data-testid="precis-exported">
          {exported}
        </p>
      ) : null}
      {list.length === 0 ? (
        <p className="govuk-body">No version is saved yet.</p>
      ) : (
        <div className="app-table-wrap">
          <table className="govuk-table" data-testid="precis-versions">
            <caption className="govuk-table__caption govuk-visually-hidden">Saved versions of the précis, oldest first</caption>
            <thead className="govuk-table__head">
              <tr className="govuk-table__row">
                <th scope="col" className="govuk-table__header">Version</th>
                <th scope="col" className="govuk-table__header">Saved</th>
                <th scope="col" className="govuk-table__header">What changed</th>
                <th scope="col" className="govuk-table__header">Export</th>
              </tr>
            </thead>
            <tbody className="govuk-table__body">
              {list.map((version) => (
                <tr className="govuk-table__row" key={version.version}>
                  <th scope="row" className="govuk-table__header">
                    {version.version}
                  </th>
                  <td className="govuk-table__cell">
                    {formatDateTime(version.savedAt)} by {version.savedByName ?? version.savedBy}
                  </td>
                  <td className="govuk-table__cell govuk-body-s">{version.changes.length === 0 ? 'Nothing' : version.changes.map((change) => `${change.key} ${CHANGE_WORDS[change.change] ?? change.change}`).join(', ')}</td>
                  <td className="govuk-table__cell">
                    <div className="app-actions">
                      <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" disabled={exporter.running} onClick={() => void onExport(version.version, 'PDF')}>
                        PDF<span className="govuk-visually-hidden"> of version {version.version}</span>
                      </button>
                      <button type="button" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" disabled={exporter.running} onClick={() => void onExport(version.version, 'DOCX')}>
                        Word (DOCX)<span className="govuk-visually-hidden"> of version {version.version}</span>
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

const KIND_TAG: Record<string, { words: string; tag: string }> = {
  KNOWN: { words: 'Shared', tag: 'govuk-tag--blue' },
  WITHHELD: { words: 'Withheld', tag: 'govuk-tag--yellow' },
  NOTE: { words: 'Note', tag: 'govuk-tag--grey' },
};

function SectionEditor({
  section,
  index,
  subjects,
  sources,
  onChange,
}: {
  section: Section;
  index: number;
  subjects: readonly { id: string; label?: string | null }[];
  sources: PrecisReferenceInput[];
  onChange(change: (section: Section) => Section): void;
}) {
  const [adding, setAdding] = useState({ text: '', cite: '' });
  const id = `section-${index}`;
  return (
    <section className="app-precis-section" aria-labelledby={`${id}-heading`} data-testid="precis-section">
      <h2 className="govuk-heading-m" id={`${id}-heading`}>
        {section.heading}
      </h2>
      {section.statements.length > 0 ? (
        <ul className="govuk-list app-precis-statements">
          {section.statements.map((statement, position) => (
            <li key={statement.id} className="app-precis-statement">
              {statement.kind !== 'NOTE' ? (
                <>
                  <strong className={`govuk-tag ${KIND_TAG[statement.kind]?.tag ?? ''}`}>{KIND_TAG[statement.kind]?.words ?? statement.kind}</strong>{' '}
                </>
              ) : null}
              {statement.kind === 'NOTE' ? (
                <div className="govuk-form-group govuk-!-margin-bottom-2">
                  <label className="govuk-label govuk-label--s" htmlFor={`${id}-note-${position}`}>
                    Note {position + 1}
                  </label>
                  <textarea
                    className="govuk-textarea govuk-!-margin-bottom-0"
                    id={`${id}-note-${position}`}
                    rows={2}
                    value={statement.text}
                    onChange={(event) => onChange((current) => ({ ...current, statements: current.statements.map((s) => (s.id === statement.id ? { ...s, text: event.target.value } : s)) }))}
                  />
                </div>
              ) : (
                <span className={statement.available ? 'app-pre-wrap' : 'app-pre-wrap app-unavailable'}>{statement.text}</span>
              )}
              {statement.relevance ? <span className="govuk-body-s app-block">Why it matters: {statement.relevance}</span> : null}
              {statement.references.length > 0 ? (
                <span className="govuk-body-s app-block">
                  Cites {statement.references.map((reference) => `${reference.ref} (${subjectLabel(subjects, String(reference.subjectId))})`).join(', ')}
                </span>
              ) : null}
              <button
                type="button"
                className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0 app-small-button"
                onClick={() => onChange((current) => ({ ...current, statements: current.statements.filter((s) => s.id !== statement.id) }))}
              >
                Remove<span className="govuk-visually-hidden"> statement {position + 1} of {section.heading}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <details className="govuk-details govuk-!-margin-bottom-4">
        <summary className="govuk-details__summary">
          <span className="govuk-details__summary-text">
            Add a statement<span className="govuk-visually-hidden"> to {section.heading}</span>
          </span>
        </summary>
        <div className="govuk-details__text">
          <Field id={`${id}-new-text`} label="Statement" hint="Your note, or what a source says.">
            <textarea className="govuk-textarea" id={`${id}-new-text`} rows={3} value={adding.text} onChange={(event) => setAdding((current) => ({ ...current, text: event.target.value }))} aria-describedby={`${id}-new-text-hint`} />
          </Field>
          <Field id={`${id}-new-cite`} label="Source it cites" hint="A record the agencies shared for this précis; none for your own note.">
            <select className="govuk-select" id={`${id}-new-cite`} value={adding.cite} onChange={(event) => setAdding((current) => ({ ...current, cite: event.target.value }))} aria-describedby={`${id}-new-cite-hint`}>
              <option value="">None: it is my note</option>
              {sources.map((source) => (
                <option key={source.ref} value={source.ref}>
                  {source.ref} ({agencyName(source.ref.split(':')[0] ?? '')}, {source.category}, {subjectLabel(subjects, String(source.subjectId))})
                </option>
              ))}
            </select>
          </Field>
          <button
            type="button"
            className="govuk-button govuk-button--secondary"
            disabled={adding.text.trim() === ''}
            onClick={() => {
              const source = sources.find((candidate) => candidate.ref === adding.cite);
              const statement: Statement = {
                id: `added-${crypto.randomUUID()}`,
                kind: source ? 'KNOWN' : 'NOTE',
                text: adding.text,
                relevance: null,
                available: true,
                references: source ? [source] : [],
                withheld: null,
              };
              onChange((current) => ({ ...current, statements: [...current.statements, statement] }));
              setAdding({ text: '', cite: '' });
            }}
          >
            Add the statement
          </button>
        </div>
      </details>
      <Field id={`${id}-analysis`} label={`Your analysis: ${section.heading}`} labelClass="govuk-label--s">
        <textarea className="govuk-textarea" id={`${id}-analysis`} rows={section.key === 'analysis' ? 6 : 2} value={section.analysis} onChange={(event) => onChange((current) => ({ ...current, analysis: event.target.value }))} />
      </Field>
    </section>
  );
}
