import { useAppStore } from '../store/hooks';
import { formatRoute, PAGE_TITLES, PAGES, selectPage } from '../store';
import { PageIcon } from './Icon';

export function Nav() {
  const current = useAppStore(selectPage);
  return (
    <nav aria-label="Main" className="app-nav">
      <ul>
        {PAGES.map((page) => (
          <li key={page}>
            <a href={formatRoute(page)} className="nav-link" aria-current={page === current ? 'page' : undefined}>
              <PageIcon page={page} />
              <span>{PAGE_TITLES[page]}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
