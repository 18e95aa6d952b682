/**
 * The metrics CloudWatch would hold for the stage, gathered from real invocations: Lambda's own
 * (Invocations, Errors, Duration, with the dimension sets Lambda publishes) and whatever the functions
 * publish in Embedded Metric Format in their logs. Alarms read them back with CloudWatch's statistics.
 */
export interface Datapoint {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: number;
  at: number;
}

export interface InvocationRecord {
  functionName: string;
  /** The alias or version the caller named. */
  qualifier: string;
  executedVersion: string;
  viaAlias: boolean;
  at: number;
  durationMs: number;
  functionError: boolean;
}

const dimensionKey = (dimensions: Record<string, string>) =>
  JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)));

export class LocalCloudWatch {
  private readonly series = new Map<string, Datapoint[]>();

  put(point: Datapoint): void {
    const key = `${point.namespace}|${point.name}|${dimensionKey(point.dimensions)}`;
    const list = this.series.get(key) ?? [];
    list.push(point);
    this.series.set(key, list);
  }

  recordInvocation(record: InvocationRecord): void {
    const sets: Array<Record<string, string>> = [
      { FunctionName: record.functionName },
      { FunctionName: record.functionName, Resource: `${record.functionName}:${record.qualifier}` },
    ];
    if (record.viaAlias) sets.push({ ...sets[1]!, ExecutedVersion: record.executedVersion });
    for (const dimensions of sets) {
      const base = { namespace: 'AWS/Lambda', dimensions, at: record.at };
      this.put({ ...base, name: 'Invocations', value: 1 });
      this.put({ ...base, name: 'Errors', value: record.functionError ? 1 : 0 });
      this.put({ ...base, name: 'Duration', value: record.durationMs });
    }
  }

  /** Reads an Embedded Metric Format log line, if it is one, into its datapoints. */
  recordLogLine(line: string, at = Date.now()): void {
    if (!line.startsWith('{') || !line.includes('"_aws"')) return;
    let entry: Record<string, unknown> & { _aws?: { CloudWatchMetrics?: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    for (const directive of entry._aws?.CloudWatchMetrics ?? []) {
      for (const dimensionSet of directive.Dimensions) {
        const dimensions = Object.fromEntries(dimensionSet.map((name) => [name, String(entry[name])]));
        for (const metric of directive.Metrics) {
          const value = Number(entry[metric.Name]);
          if (Number.isFinite(value)) this.put({ namespace: directive.Namespace, name: metric.Name, dimensions, value, at });
        }
      }
    }
  }

  /** A CloudWatch statistic (Sum, Average, Minimum, Maximum, SampleCount or pNN) over [from, to). */
  statistic(query: { namespace: string; name: string; dimensions: Record<string, string>; from: number; to: number; statistic: string }): number | undefined {
    const points = (this.series.get(`${query.namespace}|${query.name}|${dimensionKey(query.dimensions)}`) ?? [])
      .filter((p) => p.at >= query.from && p.at < query.to)
      .map((p) => p.value);
    if (points.length === 0) return undefined;
    const percentile = /^p(\d+(?:\.\d+)?)$/.exec(query.statistic);
    if (percentile) {
      const sorted = points.sort((a, b) => a - b);
      return sorted[Math.max(0, Math.ceil((Number(percentile[1]) / 100) * sorted.length) - 1)];
    }
    switch (query.statistic) {
      case 'Sum':
        return points.reduce((a, b) => a + b, 0);
      case 'Average':
        return points.reduce((a, b) => a + b, 0) / points.length;
      case 'Minimum':
        return Math.min(...points);
      case 'Maximum':
        return Math.max(...points);
      case 'SampleCount':
        return points.length;
      default:
        throw new Error(`statistic ${query.statistic} is not supported locally`);
    }
  }
}
