import type { AlarmTransition, HookVerdict } from '../report';
import { elapsed, type Clock } from './clock';
import { alarmColour, hookColour } from './colours';
import { badge, esc, table } from './html';

/** Each hook's verdict, with what it reported folded away underneath. */
export function hookList(hooks: HookVerdict[], clock: Clock): string {
  const title = '<h3>Hook verdicts</h3>';
  if (!hooks.length) return `${title}<p class="muted">No hook reported.</p>`;
  const items = hooks.map(
    (hook) => `<div class="hook" data-testid="hook-${esc(hook.hook)}">
  ${badge(hook.status, hookColour(hook))} <b>${esc(hook.hook)}</b> <span class="muted">at ${elapsed(clock, hook.at)}</span>
  <details><summary>Evidence</summary><pre data-testid="hook-evidence">${esc(JSON.stringify(hook.evidence, null, 2) ?? 'none')}</pre></details>
</div>`,
  );
  return `${title}\n${items.join('\n')}`;
}

// JSON turns a period without data (undefined) into null.
const reading = (value: number | null | undefined) => (value === undefined || value === null ? 'no data' : String(Math.round(value * 1000) / 1000));

/** Every alarm state change, with the values that caused it. */
export function alarmTable(alarms: AlarmTransition[], clock: Clock): string {
  if (!alarms.length) return '<h3>Alarm transitions</h3><p class="muted" data-testid="no-alarm-transitions">No alarm changed state.</p>';
  const rows = alarms.map(
    (alarm) => `<tr data-testid="alarm-transition">
  <td class="number">${elapsed(clock, alarm.at)}</td>
  <td>${esc(alarm.alarm)}</td>
  <td>${badge(alarm.state, alarmColour(alarm))}</td>
  <td>${esc(alarm.values.map(reading).join(', '))}</td>
</tr>`,
  );
  const columns = [{ title: 'Time', number: true }, { title: 'Alarm' }, { title: 'State' }, { title: 'Values (newest period first)' }];
  return `<h3>Alarm transitions <span class="muted">(alarms start OK)</span></h3>
${table(columns, rows)}`;
}
