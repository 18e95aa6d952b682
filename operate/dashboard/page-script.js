/* global document, fetch, location, setTimeout, URL */
'use strict';
/*
 * The dashboard page's script: asks status.json (operate/dashboard/snapshot.ts) every few seconds and redraws.
 * Every text from the data goes in through textContent or an attribute, never as markup.
 */
(() => {
  const EVERY_MS = Number(document.body.dataset.everyMs);
  const FIGURES_MINUTES = document.body.dataset.figuresMinutes;
  const statusUrl = new URL('status.json', location.href);
  const SVG = 'http://www.w3.org/2000/svg';
  const ENDED = ['Succeeded', 'Failed', 'Stopped'];
  let lastGood;

  /** An element with attributes, and children that are elements or text. */
  function make(namespace, tag, attributes, children) {
    const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    for (const child of children || []) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    return node;
  }
  const el = (tag, attributes, ...children) => make(undefined, tag, attributes, children);
  const svg = (tag, attributes, ...children) => make(SVG, tag, attributes, children);

  const percent = (share) => `${+(share * 100).toFixed(2)} %`;
  const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour12: false });
  const badge = (text, tone) => el('span', { class: `badge ${tone}` }, text);
  const statusTone = (status) => (status === 'Succeeded' ? 'good' : ENDED.includes(status) ? 'bad' : 'busy');
  const alarmTone = (state) => (state === 'ALARM' ? 'bad' : state === 'OK' ? 'good' : 'neutral');
  const verdictTone = (outcome) => (outcome === 'pass' ? 'good' : outcome === 'fail' ? 'bad' : 'neutral');

  function deployment(d) {
    const ended = d.endedAt ? `, ended ${clock(d.endedAt)}` : '';
    const parts = [
      el('p', {}, 'Deployment ', el('code', { 'data-testid': 'deployment-id' }, d.id), ' ', badge(d.status, statusTone(d.status)),
        ` version ${d.currentVersion} → ${d.targetVersion} (${d.configName || 'no config'}), started ${d.createdAt ? clock(d.createdAt) : '?'}${ended}`),
    ];
    if (!ENDED.includes(d.status)) {
      const left = d.bakeLeftSeconds === undefined ? '' : `, ${d.bakeLeftSeconds} s left in the bake`;
      parts.push(el('p', { 'data-testid': 'phase' }, `Phase ${d.phase}: version ${d.targetVersion} takes ${percent(d.targetWeight)}${left}`));
      if (d.gate) {
        parts.push(el('p', { 'data-testid': 'gate' }, badge('waiting for approval', 'neutral'),
          ` at ${d.gate.lifecycleEvent} since ${clock(d.gate.since)}; CodeDeploy fails it at ${clock(d.gate.failsAt)}. Decide with npm run canary -- approve or abort.`));
      }
    }
    if (d.error) parts.push(el('p', {}, `${d.error.code}: ${d.error.message}`));
    if (d.alarms.length > 0) {
      parts.push(el('p', {}, 'Alarms:'), el('ul', { class: 'alarms' }, ...d.alarms.map((a) => el('li', {}, badge(a.state, alarmTone(a.state)), ` ${a.name}`))));
    }
    if (d.verdict) {
      const v = d.verdict;
      const rows = v.results.map((r) =>
        el('tr', {}, el('td', {}, r.metric), el('td', {}, badge(r.outcome, verdictTone(r.outcome))),
          el('td', { class: 'number' }, r.confidence === undefined ? '–' : `${(r.confidence * 100).toFixed(1)} %`),
          el('td', {}, Object.entries(r.detail || {}).filter(([, n]) => typeof n === 'number').map(([k, n]) => `${k} ${+n.toFixed(3)}`).join(', '))),
      );
      parts.push(
        el('p', { 'data-testid': 'verdict' }, `The judge, round ${v.round} at ${clock(v.at)}: `, badge(v.outcome, verdictTone(v.outcome))),
        el('table', {}, el('thead', {}, el('tr', {}, ...['Metric', 'Outcome', 'Sure', 'Figures'].map((t) => el('th', {}, t)))), el('tbody', {}, ...rows)),
      );
    }
    return el('div', { 'data-testid': 'deployment' }, ...parts);
  }

  function figures(s) {
    const rows = s.versions.map((v, i) =>
      el('tr', {}, el('td', {}, el('span', { class: `swatch v${i}` }), `version ${v.version}`), el('td', { class: 'number' }, String(v.requests)),
        el('td', { class: 'number' }, v.errorShare === undefined ? '–' : percent(v.errorShare)),
        el('td', { class: 'number' }, v.p99Ms === undefined ? '–' : `${v.p99Ms.toFixed(0)} ms`)),
    );
    const numberHeads = ['Requests', 'Error share', 'p99'].map((t) => el('th', { class: 'number' }, t));
    const head = el('tr', {}, el('th', {}, `Last ${FIGURES_MINUTES} minutes`), ...numberHeads);
    return el('table', { 'data-testid': 'figures' }, el('thead', {}, head), el('tbody', {}, ...rows));
  }

  /** Rounds a chart's top up to 1, 2 or 5 times a power of ten. */
  function niceTop(max) {
    const power = 10 ** Math.floor(Math.log10(max));
    return [1, 2, 5, 10].map((m) => m * power).find((top) => top >= max);
  }

  /** One chart: a line per version of one figure per minute, from `from` to `to`; a minute without the figure breaks the line. */
  function chart(title, versions, pick, format, from, to, floor) {
    const [width, height, left, right, top, bottom] = [340, 150, 68, 12, 10, 22];
    const [start, end] = [Date.parse(from), Date.parse(to)];
    const values = versions.flatMap((v) => v.minutes.map(pick)).filter((n) => n !== undefined);
    const yTop = niceTop(Math.max(floor, ...values));
    const x = (at) => left + ((Date.parse(at) - start) / (end - start)) * (width - left - right);
    const y = (n) => top + (1 - n / yTop) * (height - top - bottom);
    const parts = [0, yTop / 2, yTop].flatMap((n) => [
      svg('line', { class: 'grid', x1: left, x2: width - right, y1: y(n), y2: y(n) }),
      svg('text', { x: left - 6, y: y(n) + 4, 'text-anchor': 'end' }, format(n)),
    ]);
    parts.push(svg('text', { x: left, y: height - 6 }, clock(from)), svg('text', { x: width - right, y: height - 6, 'text-anchor': 'end' }, clock(to)));
    const latest = [];
    versions.forEach((v, i) => {
      let run = [];
      const draw = () => run.length > 1 && parts.push(svg('polyline', { class: `line v${i}`, points: run.join(' ') }));
      for (const minute of v.minutes) {
        const n = pick(minute);
        if (n === undefined) {
          draw();
          run = [];
          continue;
        }
        run.push(`${x(minute.at).toFixed(1)},${y(n).toFixed(1)}`);
        const point = svg('title', {}, `version ${v.version} at ${clock(minute.at)}: ${format(n)}`);
        parts.push(svg('circle', { class: `v${i}`, cx: x(minute.at), cy: y(n), r: 2.5 }, point));
      }
      draw();
      const last = v.minutes.filter((m) => pick(m) !== undefined).at(-1);
      if (last) latest.push(`version ${v.version} ${format(pick(last))} at ${clock(last.at)}`);
    });
    const label = `${title}: ${latest.length > 0 ? `latest ${latest.join('; ')}` : 'no data'}`;
    const drawing = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label }, ...parts);
    return el('figure', {}, el('figcaption', {}, title), drawing);
  }

  function charts(series, from, to) {
    const versions = series ? series.versions : [];
    const legend = el('p', { class: 'legend' }, ...versions.map((v, i) => el('span', {}, el('span', { class: `swatch v${i}` }), `version ${v.version}`)));
    return el(
      'div',
      {},
      el('div', { class: 'charts', 'data-testid': 'charts' },
        chart('Requests per minute', versions, (m) => m.requests, (n) => String(+n.toFixed(1)), from, to, 1),
        chart('Error share', versions, (m) => m.errorShare, percent, from, to, 0.01),
        chart('p99 duration', versions, (m) => m.p99Ms, (n) => `${+n.toFixed(0)} ms`, from, to, 10)),
      legend,
    );
  }

  function functionSection(s, data) {
    const series = data.charts.functions.find((c) => c.logicalId === s.logicalId);
    const routing = `${s.alias} → ${s.routing.map((r) => `version ${r.version} ${percent(r.weight)}`).join(', ')}`;
    return el(
      'section',
      { class: 'function', 'data-function': s.logicalId },
      el('div', { class: 'title' }, el('h2', {}, s.logicalId), el('code', { class: 'muted' }, `${s.functionName}:${s.alias}`)),
      el('p', { class: 'routing', 'data-testid': 'routing' }, routing),
      s.deployment ? deployment(s.deployment) : el('p', { class: 'muted' }, 'No deployment yet.'),
      figures(s),
      charts(series, data.charts.from, data.at),
    );
  }

  function render(data) {
    document.getElementById('target').textContent = data.target;
    document.getElementById('read-at').textContent = `Read at ${clock(data.at)}`;
    document.getElementById('functions').replaceChildren(...data.functions.map((s) => functionSection(s, data)));
  }

  function showError(message) {
    const banner = document.getElementById('error');
    const kept = lastGood ? ` The page shows what was read at ${clock(lastGood.at)}.` : '';
    banner.textContent = `Could not read the status at ${clock(new Date().toISOString())}: ${message.replace(/\.$/, '')}.${kept}`;
    banner.hidden = false;
  }

  async function poll() {
    try {
      const response = await fetch(statusUrl, { cache: 'no-store' });
      const text = await response.text();
      const isJson = (response.headers.get('content-type') || '').startsWith('application/json');
      const body = isJson ? JSON.parse(text) : undefined;
      if (!response.ok) throw new Error(body && body.error ? body.error : `${response.status} ${text.trim()}`);
      render(body);
      lastGood = body;
      document.getElementById('error').hidden = true;
    } catch (error) {
      showError(error.message);
    } finally {
      setTimeout(poll, EVERY_MS);
    }
  }
  poll();
})();
