import type { AlarmTransition, DeploymentReport, FunctionReport, HookVerdict } from '../report';
import type { PhaseEvent } from './timeline/events';
import type { Series } from './timeline/series';

/** The palette: the same colour means the same thing in the tables, the chart and its legend. */
export const COLOUR = {
  good: '#15803d',
  bad: '#b91c1c',
  neutral: '#6b7280',
  weight: '#7c3aed',
  current: '#2563eb',
  target: '#ea580c',
  otherVersion: '#0f766e',
  currentErrors: '#7f1d1d',
  targetErrors: '#ef4444',
  grid: '#e5e7eb',
  axis: '#374151',
};

export const OUTCOME_COLOUR: Record<DeploymentReport['outcome'] | FunctionReport['outcome'], string> = {
  Deployed: COLOUR.good,
  Succeeded: COLOUR.good,
  RolledBack: COLOUR.bad,
  NothingToDeploy: COLOUR.neutral,
  Unchanged: COLOUR.neutral,
};

/** Anything but Succeeded (Failed, or Pending when no verdict came) is bad news. */
export const hookColour = (hook: HookVerdict) => (hook.status === 'Succeeded' ? COLOUR.good : COLOUR.bad);
export const alarmColour = (alarm: AlarmTransition) => (alarm.state === 'ALARM' ? COLOUR.bad : COLOUR.neutral);

export const PHASE_LINE = '#9ca3af';
export const PHASE_FILL: Record<PhaseEvent['phase'], string> = {
  PreTraffic: '#ede9fe',
  Shift: '#fef3c7',
  Bake: '#fef3c7',
  PostTraffic: '#dbeafe',
  FinalBake: '#dbeafe',
  Done: '#f3f4f6',
  Afterwatch: '#f3f4f6',
};

export const LINE_COLOUR: Record<Series['role'], string> = { current: COLOUR.current, target: COLOUR.target, other: COLOUR.otherVersion };
export const ERROR_COLOUR: Record<Series['role'], string> = { current: COLOUR.currentErrors, target: COLOUR.targetErrors, other: COLOUR.currentErrors };
