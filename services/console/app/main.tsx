/**
 * The Strowger web console: a single page that talks only to the public HTTP API with the key
 * its user pastes. Preact (about 4 KB) renders it and uPlot (about 20 KB, canvas) draws the
 * time-series charts: both small, dependency-free and well kept, so the whole console loads in
 * a few tens of kilobytes. This file loads config.json and mounts the app.
 */
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './console.css';
import { App } from './app.tsx';
import { loadConfig } from './config.ts';

const root = document.getElementById('app');
if (root !== null) {
  loadConfig()
    .then((config) => {
      root.textContent = '';
      render(<App config={config} />, root);
    })
    .catch((error: unknown) => {
      root.textContent = '';
      const message = document.createElement('p');
      message.className = 'boot';
      message.setAttribute('role', 'alert');
      message.textContent = `The console could not start: ${error instanceof Error ? error.message : String(error)}. Reload the page; if it persists, the console was deployed without its config.json.`;
      root.append(message);
    });
}
