import { useCall } from '../api';

/**
 * The "App or source" filter of the Timeline and the Audit trail: every connection (its app and
 * name) and directory. A source in the URL that is no longer listed (removed since) stays
 * selectable under its id, so the filter never silently changes.
 */
export function SourceSelect({ value, onChange }: { value: string | undefined; onChange: (sourceId: string) => void }) {
  const sources = useCall('listSources', {});
  const options = [
    ...(sources.data?.connections ?? []).map((c) => ({ id: c.id, name: `${c.app} (${c.name})` })),
    ...(sources.data?.directories ?? []).map((d) => ({ id: d.id, name: `${d.name} (directory)` })),
  ];
  return (
    <label className="field">
      <span className="field__label">App or source</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">All sources</option>
        {value && !options.some((s) => s.id === value) ? <option value={value}>{value}</option> : null}
        {options.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}
