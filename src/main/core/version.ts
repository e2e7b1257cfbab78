/** Injected at build time from package.json (see electron.vite.config.ts); tests read package.json. */
declare const __ROLLCALL_VERSION__: string | undefined;
export const APP_VERSION: string = typeof __ROLLCALL_VERSION__ === 'string' ? __ROLLCALL_VERSION__ : '0.0.0-dev';
