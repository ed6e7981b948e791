import { render } from 'preact';
import { App } from './app/app.tsx';
import { startFirstLoads } from './app/first-load.ts';
import { areaRoutes } from './pages/index.ts';
import './app/styles.css';

startFirstLoads(areaRoutes, location.pathname, location.search);

const root = document.getElementById('app');
if (root) render(<App />, root);
