/**
 * Hash routes (`#/t/acme/peers`): the console is static files, so the server needs to know no
 * route, and the back button, bookmarks and links all work.
 */
import { useEffect, useState } from 'preact/hooks';

export function currentPath(): string {
  const path = window.location.hash.replace(/^#/, '');
  return path.startsWith('/') ? path : '/';
}

/** The path's segments, decoded; re-renders on every navigation. */
export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const changed = (): void => setPath(currentPath());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return path.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

/** An href for a route, each segment encoded. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

export function navigate(...segments: string[]): void {
  window.location.hash = href(...segments);
}
