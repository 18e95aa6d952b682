/**
 * AWS time for a rehearsal that runs `timeScale` times faster than the wall clock: at its start the two
 * agree, then AWS time runs faster. Periods align to boundaries of AWS time (the UTC minute, at time scale
 * 1), and reports speak in AWS seconds; the local CloudWatch keeps its data by wall-clock time, so a query
 * for an AWS period asks for the wall-clock window it maps to.
 */
export class AwsClock {
  constructor(
    readonly timeScale: number,
    private readonly start = Date.now(),
  ) {}

  /** The AWS instant (epoch ms) of a wall-clock instant, to the millisecond, so that it lands on boundaries. */
  aws(wallMs: number): number {
    return Math.round(this.start + (wallMs - this.start) * this.timeScale);
  }

  /** The wall-clock instant (epoch ms) of an AWS instant. */
  wall(awsMs: number): number {
    return this.start + (awsMs - this.start) / this.timeScale;
  }

  /** AWS milliseconds between two wall-clock instants. */
  awsDuration(fromWallMs: number, toWallMs: number): number {
    return (toWallMs - fromWallMs) * this.timeScale;
  }
}
