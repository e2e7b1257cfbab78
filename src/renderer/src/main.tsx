import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// First: picking the transport takes the dashboard token out of the URL before anything reads it.
import { api } from './api';
import { App } from './App';
import { startRouter } from './router';
import { appStore } from './store/hooks';
import { loadThemeSetting } from './store/settings';

startRouter(appStore);
void loadThemeSetting(api, appStore);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
