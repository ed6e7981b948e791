import { render } from 'preact';
import { App } from './app/app.tsx';
import './app/styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
