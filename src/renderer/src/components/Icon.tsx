import type { Page } from '../store/route';

/** Simple 20×20 stroke icons for the navigation (decorative: hidden from screen readers). */
const PATHS: Record<Page, string> = {
  dashboard: 'M3 3h6v8H3zM11 3h6v5h-6zM11 10h6v7h-6zM3 13h6v4H3z',
  timeline: 'M10 3v14M10 5h5M10 10h5M10 15h5M5 5h1M5 10h1M5 15h1',
  alerts: 'M10 3 2.5 16.5h15zM10 8v4M10 14.5v.5',
  audit: 'M5 2.5h7l3 3v12H5zM8 9h5M8 12h5M8 15h3',
  seats: 'M4 17V9M8 17V5M12 17v-6M16 17V3',
  people: 'M7 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2 17c0-3 2.2-5 5-5s5 2 5 5M14 4.5a2.5 2.5 0 0 1 0 5M15 12c2 .4 3 2.2 3 5',
  sources: 'M4 4h12v4H4zM4 12h12v4H4zM7 6h.01M7 14h.01',
  settings:
    'M10 7a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM10 2v2M10 16v2M2 10h2M16 10h2M4.3 4.3l1.4 1.4M14.3 14.3l1.4 1.4M4.3 15.7l1.4-1.4M14.3 5.7l1.4-1.4',
};

export function PageIcon({ page }: { page: Page }) {
  return (
    <svg className="icon" viewBox="0 0 20 20" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={PATHS[page]} fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
