/**
 * Explore: any question the semantic layer answers (metrics, up to two dimensions, filters, time range, grain,
 * comparison), as a chart and a table with totals, and the same question as the server's CSV. The question
 * lives in the URL, so a reload or a shared link shows the same view.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSemanticQuery } from './analytics';
import { ApiError, catalogue, type Me, queryCsv } from './api';
import { saveBlob } from './csv';
import { Controls } from './explore/controls';
import { readQuestion, toRequest, writeQuestion } from './explore/question';
import { Results } from './explore/results';
import { useI18n } from './i18n';
import { ProjectInput, useProject } from './project';
import { useRoute } from './router';
import { Card, Empty, ErrorState, Loading, QueryState } from './ui';

function Answer({ r }: { r: ReturnType<typeof useSemanticQuery> }) {
  const { t } = useI18n();
  if (r.isPending) return <Loading />;
  if (r.isError) {
    if (r.error instanceof ApiError && r.error.code === 'no_data_yet') {
      return (
        <Empty>
          <strong>{t('noDataYet')}.</strong> {t('warehouseNotBuilt')}
        </Empty>
      );
    }
    // A 400 names the valid choices: shown as the API says it, without a retry that would fail the same way.
    if (r.error instanceof ApiError && r.error.status === 400) {
      return (
        <div
          className="rounded border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900"
          role="alert"
          data-testid="explore-invalid"
        >
          {t('exploreInvalid')}: {r.error.message}
        </div>
      );
    }
    return <ErrorState error={r.error} retry={() => void r.refetch()} />;
  }
  if (r.data === null) return <Empty>{t('queryNotAvailable')}</Empty>;
  return null;
}

export function ExplorePage({ me }: { me: Me }) {
  const { t } = useI18n();
  const { path, search, navigate } = useRoute();
  const [storedProject, setStoredProject] = useProject(me.project_id);
  const cat = useQuery({ queryKey: ['catalogue'], queryFn: catalogue, staleTime: 10 * 60_000 });
  const defaultMetric = me.role === 'seller' ? 'views' : 'gmv';
  const q = readQuestion(search, defaultMetric);
  const project = me.project_id ?? q.project ?? storedProject;
  const question = { ...q, project };
  const [download, setDownload] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });

  const request = cat.data && project && q.metrics.length > 0 ? toRequest(question, cat.data) : null;
  const answer = useSemanticQuery(request);
  const set = (next: typeof question) => navigate(`${path}?${writeQuestion(next)}`, true);

  const downloadCsv = async () => {
    if (!request) return;
    setDownload({ busy: true, error: null });
    try {
      const { blob, filename } = await queryCsv(request);
      saveBlob(blob, filename);
      setDownload({ busy: false, error: null });
    } catch (e) {
      setDownload({ busy: false, error: e });
    }
  };

  return (
    <div className="flex flex-col gap-4" data-testid="explore">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <h1 className="text-2xl font-semibold">{t('explore')}</h1>
        <div className="flex flex-wrap items-end gap-2">
          {!me.project_id && (
            <ProjectInput
              value={project}
              onChange={(p) => {
                setStoredProject(p);
                set({ ...question, project: p });
              }}
            />
          )}
          <button
            type="button"
            data-testid="download-csv"
            disabled={!answer.data || download.busy}
            onClick={() => void downloadCsv()}
            className="rounded bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
          >
            {download.busy ? t('downloading') : t('downloadCsv')}
          </button>
        </div>
      </div>
      {download.error != null && <ErrorState error={download.error} />}
      <Card title={t('question')}>
        <QueryState q={cat}>{(c) => <Controls cat={c} q={question} set={set} />}</QueryState>
      </Card>
      {!project ? (
        <Empty>{t('projectPrompt')}</Empty>
      ) : q.metrics.length === 0 ? (
        <Empty>{t('pickMetric')}</Empty>
      ) : answer.data && cat.data ? (
        <div className="flex flex-col gap-4" data-testid="explore-results">
          <Results cat={cat.data} result={answer.data} dims={q.dimensions} metrics={q.metrics} />
        </div>
      ) : (
        <Answer r={answer} />
      )}
    </div>
  );
}
