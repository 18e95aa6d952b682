/**
 * Manual gates (the template's ManualGates parameter). With them on, a hook whose checks pass does not report
 * Succeeded: it logs that its lifecycle event waits for an operator, with the execution id CodeDeploy gave it,
 * and ends. CodeDeploy keeps waiting for that event's status for up to an hour after it invoked the hook, then
 * fails the event, and so the deployment, which rolls back: that hour is the gate's deadline. Until then an
 * operator reports Succeeded with the recorded id (`canary approve`) or stops the deployment (`canary abort`).
 * A failing verdict is reported at once, gates or not: nobody is asked to approve a version that failed.
 */

/** The message of the log line that records a waiting gate; the operator tool finds it by this and the deployment id. */
export const GATE_WAITING = 'waiting for approval';

/** How long CodeDeploy waits for a lifecycle hook's status before it fails the event. */
export const HOOK_STATUS_WAIT_MS = 3_600_000;

/** The lifecycle event each hook serves, as CodeDeploy names it. */
export const LIFECYCLE_EVENT = { PreTraffic: 'BeforeAllowTraffic', PostTraffic: 'AfterAllowTraffic' } as const;
export type Hook = keyof typeof LIFECYCLE_EVENT;

/** Whether this stack's deployments wait for an operator at each hook (ManualGates=Enabled). */
export const gatesEnabled = (): boolean => process.env.MANUAL_GATES === 'Enabled';
