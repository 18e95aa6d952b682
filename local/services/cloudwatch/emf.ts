/** A metric value read from an Embedded Metric Format log line. */
export interface EmfValue {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: number;
  /** 1 for a high-resolution metric; CloudWatch's default is 60. */
  storageResolution: 1 | 60;
}

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: string; StorageResolution?: number }>;
}

/** The metric values of an EMF log line: none when the line is not EMF. */
export function parseEmf(line: string): EmfValue[] {
  if (!line.startsWith('{') || !line.includes('"_aws"')) return [];
  let entry: Record<string, unknown> & { _aws?: { CloudWatchMetrics?: EmfDirective[] } };
  try {
    entry = JSON.parse(line);
  } catch {
    return [];
  }
  const values: EmfValue[] = [];
  for (const directive of entry._aws?.CloudWatchMetrics ?? []) {
    for (const dimensionSet of directive.Dimensions) {
      const dimensions = Object.fromEntries(dimensionSet.map((name) => [name, String(entry[name])]));
      for (const metric of directive.Metrics) {
        const value = Number(entry[metric.Name]);
        const storageResolution = metric.StorageResolution === 1 ? 1 : 60;
        if (Number.isFinite(value)) values.push({ namespace: directive.Namespace, name: metric.Name, dimensions, value, storageResolution });
      }
    }
  }
  return values;
}
