/**
 * One `sam deploy` that changes several functions: CloudFormation updates each changed alias through a
 * CodeDeploy deployment of its own, in parallel ("CodeDeploy assumes that there are no dependencies between
 * Deployment Groups and hence will deploy them in parallel", SAM's safe-deployments guide), and one that fails
 * fails the stack update. CloudFormation then cancels the updates still in progress ("Resource update
 * cancelled", as reported in aws/serverless-application-model#351) and rolls back what it had updated. AWS
 * documents no more than that; the rehearsal shows the end state it intends.
 */
export class StackUpdate {
  private failedBy?: string;
  private readonly listeners = new Set<(logicalId: string) => void>();

  /** The function whose deployment failed the stack update, if one has. */
  get failure(): string | undefined {
    return this.failedBy;
  }

  fail(logicalId: string): void {
    if (this.failedBy) return;
    this.failedBy = logicalId;
    for (const listener of this.listeners) listener(logicalId);
  }

  /** Calls `listener` when another deployment fails the stack update; answers how to stop listening. */
  onFailure(listener: (logicalId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
