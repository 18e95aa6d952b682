import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIGURES_MINUTES } from '../status';
import { READ_EVERY_MS } from './snapshot';

/**
 * The dashboard's one document: no data in it (page-script.js fetches status.json beside it and draws with
 * DOM calls), its style and script inline, and a Content-Security-Policy that allows those two by their
 * hashes, requests to this server only, and nothing else.
 */
const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export function dashboardPage(): { html: string; csp: string } {
  const style = readFileSync(join(__dirname, 'page.css'), 'utf8');
  const script = readFileSync(join(__dirname, 'page-script.js'), 'utf8');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Canary dashboard</title>
<style>${style}</style>
</head>
<body data-every-ms="${READ_EVERY_MS}" data-figures-minutes="${FIGURES_MINUTES}">
<header>
  <h1>Canary dashboard</h1>
  <p id="target" class="muted"></p>
  <p id="read-at" aria-live="polite">Reading the status…</p>
</header>
<div id="error" role="alert" hidden></div>
<main id="functions"></main>
<script>${script}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    `style-src ${hash(style)}`,
    `script-src ${hash(script)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
