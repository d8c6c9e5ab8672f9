import { type FormEvent, useState } from 'react';
import { useI18n } from './i18n';

const PROJECT_KEY = 'plaza.project';

/** The project a dashboard shows: the user's own, or the one last chosen on this browser. */
export function useProject(fixed: string | null): [string | null, (p: string) => void] {
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(PROJECT_KEY));
  const set = (p: string) => {
    localStorage.setItem(PROJECT_KEY, p);
    setChosen(p);
  };
  return [fixed ?? chosen, set];
}

export function ProjectInput({ value, onChange }: { value: string | null; onChange(p: string): void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (draft.trim()) onChange(draft.trim());
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
      <label className="flex flex-col gap-1 text-sm">
        {value ? t('project') : t('projectPrompt')}
        <input
          name="project"
          className="rounded border border-slate-300 px-2 py-1"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
      </label>
      <button type="submit" className="rounded bg-indigo-600 px-3 py-1 text-sm text-white">
        {t('show')}
      </button>
    </form>
  );
}
