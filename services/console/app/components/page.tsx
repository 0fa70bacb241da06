/** A page's heading, its one-line purpose and its actions; the content below. */
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

export function Page({ title, intro, actions, children }: { title: string; intro?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Strowger console`;
  }, [title]);
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{title}</h1>
          {intro === undefined ? null : <p>{intro}</p>}
        </div>
        {actions === undefined ? null : <div class="actions">{actions}</div>}
      </div>
      {children}
    </>
  );
}
