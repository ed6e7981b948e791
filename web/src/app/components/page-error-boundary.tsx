/**
 * What a person sees when a page fails to render or its code cannot be loaded — most often a lazy
 * chunk a new deploy replaced (its old hashed name is a 404 by design). A reload fetches the new
 * index.html and its chunks. Leaving the address clears the error.
 */
import { Component, type ComponentChildren } from 'preact';
import { Button } from './button.tsx';

interface Props {
  /** The current path: an error belongs to the page it happened on. */
  readonly path: string;
  readonly title: string;
  readonly body: string;
  readonly reload: string;
  readonly children: ComponentChildren;
}

export class PageErrorBoundary extends Component<Props, { failedPath: string | null }> {
  override state = { failedPath: null as string | null };

  // A lazy page whose chunk cannot be fetched stays suspended in preact-iso's lazy(); Vite's
  // dynamic-import helper announces the failure with this event, so the page can say so.
  private readonly onChunkError = (event: Event) => {
    event.preventDefault();
    this.setState({ failedPath: this.props.path });
  };

  override componentDidMount(): void {
    window.addEventListener('vite:preloadError', this.onChunkError);
  }

  override componentWillUnmount(): void {
    window.removeEventListener('vite:preloadError', this.onChunkError);
  }

  override componentDidCatch(error: unknown): void {
    // a suspension (a promise) is the router's to handle, not a failure
    if (error instanceof Promise) throw error;
    console.error('page failed', error);
    this.setState({ failedPath: this.props.path });
  }

  override render() {
    if (this.state.failedPath === null || this.state.failedPath !== this.props.path)
      return this.props.children;
    return (
      <section class="alert alert-error" role="alert">
        <h1>{this.props.title}</h1>
        <p>{this.props.body}</p>
        <Button onClick={() => location.reload()}>{this.props.reload}</Button>
      </section>
    );
  }
}
