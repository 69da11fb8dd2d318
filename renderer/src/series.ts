/**
 * A bounded, evenly thinned history for live charts. Runs can log 100k+ episodes; charts stay
 * smooth by keeping at most `cap` points: when full, every other point is dropped and from then on
 * only every `stride`-th pushed point is kept, so the survivors stay evenly spaced in time.
 */
export class DecimatedSeries<T> {
  points: T[] = [];
  /** Bumps whenever existing points were removed, so consumers must re-read instead of append. */
  generation = 0;
  /** The newest pushed point, kept or not (the chart tail should not lag behind it). */
  last: T | null = null;
  total = 0;
  private stride = 1;

  constructor(readonly cap: number) {}

  push(point: T): void {
    this.last = point;
    const keep = this.total % this.stride === 0;
    this.total++;
    if (!keep) return;
    if (this.points.length >= this.cap) {
      // Kept points sit at multiples of `stride`; the even ones are exactly the multiples of 2·stride.
      this.points = this.points.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
      this.generation++;
      if ((this.total - 1) % this.stride !== 0) return;
    }
    this.points.push(point);
  }

  clear(): void {
    this.points = [];
    this.generation++;
    this.last = null;
    this.total = 0;
    this.stride = 1;
  }
}

/** Exact mean of the last `size` values, O(1) per push. */
export class RollingMean {
  private readonly buf: number[] = [];
  private next = 0;
  private sum = 0;

  constructor(readonly size: number) {}

  push(value: number): number {
    if (this.buf.length < this.size) {
      this.buf.push(value);
    } else {
      this.sum -= this.buf[this.next];
      this.buf[this.next] = value;
      this.next = (this.next + 1) % this.size;
    }
    this.sum += value;
    return this.sum / this.buf.length;
  }

  get count(): number {
    return this.buf.length;
  }

  reset(): void {
    this.buf.length = 0;
    this.next = 0;
    this.sum = 0;
  }
}
