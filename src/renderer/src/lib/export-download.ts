/**
 * Getting a finished export to the user (issue #8). In a browser: the file is fetched with the
 * dashboard token in the Authorization header (never in the URL, so it is not in server logs or
 * the history) and handed to the browser's downloads as a Blob. In the desktop app: the main
 * process shows the native save dialog (saveExport).
 */
import { api } from '../api';
import { dashboardToken } from '../transport';

export const isDesktop = (): boolean => typeof window !== 'undefined' && window.rollcall !== undefined;

export async function downloadExport(exportId: string, which: 'file' | 'manifest', fileName: string): Promise<string> {
  if (isDesktop()) {
    const r = await api.saveExport({ exportId });
    return r.message;
  }
  const token = dashboardToken();
  if (!token) throw new Error('Not signed in: open the dashboard link rollcall serve printed.');
  const res = await fetch(`/api/exports/${encodeURIComponent(exportId)}/${which}`, {
    headers: { Authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  if (!res.ok) throw new Error(`The download failed (HTTP ${res.status}).`);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const name = which === 'file' ? fileName : `${fileName}.manifest.json`;
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return `Saved to your browser's downloads folder as ${name}.`;
}
