import { formatAge, formatTime, utcIso } from '../lib/format';

/** An instant in local time; the UTC ISO form on hover. */
export function Time({ iso, relative = false }: { iso: string; relative?: boolean }) {
  return (
    <time dateTime={iso} title={utcIso(iso)} className="time">
      {relative ? formatAge(iso) : formatTime(iso)}
    </time>
  );
}
