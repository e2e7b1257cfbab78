/**
 * The Content-Security-Policy of the UI, wherever it is shown: the headless host sends it as a
 * header, the Electron session adds it to every response, and index.html carries it as a meta tag
 * (a unit test keeps the three identical).
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
