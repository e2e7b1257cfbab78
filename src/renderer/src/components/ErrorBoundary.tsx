import { Component, type ReactNode } from 'react';
import { errorMessage } from '../lib/errors';

/** Keeps a page that fails to render from blanking the whole window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: unknown } {
    return { error };
  }

  override render(): ReactNode {
    if (this.state.error !== null) {
      return (
        <div className="notice notice--error" role="alert">
          <div>
            <strong className="notice__title">This page failed to display</strong>
            <p className="notice__body">{errorMessage(this.state.error)}</p>
          </div>
          <button type="button" className="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
