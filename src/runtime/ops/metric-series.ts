import { Counter, Histogram } from "prom-client";
import type { Aggregator, CounterConfiguration, HistogramConfiguration, LabelValues } from "prom-client";

/*
 * Per-request metrics at a price a hot path can pay. prom-client's observe() and inc() turn
 * the labels object into a string key on every call (validation, sorting, concatenation,
 * a dictionary lookup): 0.45-0.7 µs each on a quiet core, about 3 µs per GetBook for the two
 * histograms and the counter a request records. Here a label set is resolved once into a
 * series the caller keeps (per RPC, per code), and recording is a few adds. Exposition,
 * registries and cluster aggregation stay prom-client's.
 */

/** One label set of a SeriesHistogram. */
export class HistogramSeries {
  /** Per bucket, not cumulative; the last slot counts values above the highest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count++;
  }
}

/**
 * A prom-client Histogram fed through series(): what it exports is what its series hold.
 * Its own observe() is not used (and what it would record is not exported).
 */
export class SeriesHistogram<T extends string> extends Histogram<T> {
  private readonly series: HistogramSeries[] = [];
  private readonly bounds: readonly number[];
  private readonly metricName: string;
  private readonly metricHelp: string;
  private readonly aggregatorName: Aggregator;

  constructor(config: HistogramConfiguration<T> & { readonly buckets: readonly number[] }) {
    super({ ...config, buckets: [...config.buckets] });
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.metricName = config.name;
    this.metricHelp = config.help;
    this.aggregatorName = config.aggregator ?? "sum";
  }

  /** A new series for `labels`; call once per label set and keep it. */
  seriesFor(labels: Readonly<Record<T, string>>): HistogramSeries {
    const series = new HistogramSeries({ ...labels }, this.bounds);
    this.series.push(series);
    return series;
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    super.reset();
    for (const series of this.series ?? []) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /**
   * What the registry reads for the text exposition; prom-client's own get() (JSON, cluster
   * aggregation) reads it too and moves each value's sharedLabels into its labels.
   */
  async getForPromString(): Promise<SeriesData> {
    const values: SeriesValue[] = [];
    const bucket = `${this.metricName}_bucket`;
    for (const series of this.series) {
      if (series.count === 0) continue;
      const labels = series.labels;
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: this.bounds[i]! }, sharedLabels: labels, value: cumulative, metricName: bucket, exemplar: null });
      }
      values.push({ labels: { le: "+Inf" }, sharedLabels: labels, value: series.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: labels, value: series.sum, metricName: `${this.metricName}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: labels, value: series.count, metricName: `${this.metricName}_count`, exemplar: undefined });
    }
    return { name: this.metricName, help: this.metricHelp, type: "histogram", aggregator: this.aggregatorName, values };
  }
}

/** prom-client's internal shape of a metric's values (as its Histogram builds them). */
interface SeriesValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly metricName: string;
  /** As prom-client's Histogram has it without exemplars: null on buckets, undefined elsewhere. */
  readonly exemplar: null | undefined;
}

interface SeriesData {
  readonly name: string;
  readonly help: string;
  readonly type: "histogram";
  readonly aggregator: Aggregator;
  readonly values: SeriesValue[];
}

/** One label set of a counter: adds gather here and reach prom-client when it is read. */
export class CounterSeries {
  pending = 0;

  constructor(readonly labels: Readonly<Record<string, string>>) {}

  inc(): void {
    this.pending++;
  }
}

/** A prom-client Counter fed through series(), folded in (with its public inc) on every read. */
export class SeriesCounter<T extends string> extends Counter<T> {
  private readonly series: CounterSeries[] = [];

  constructor(config: CounterConfiguration<T>) {
    super({
      ...config,
      collect(this: Counter<T>) {
        if (this instanceof SeriesCounter) this.fold();
      },
    });
  }

  private fold(): void {
    for (const one of this.series) {
      if (one.pending === 0) continue;
      this.inc(one.labels as LabelValues<T>, one.pending);
      one.pending = 0;
    }
  }

  /** A new series for `labels`; call once per label set and keep it. */
  seriesFor(labels: Readonly<Record<T, string>>): CounterSeries {
    const series = new CounterSeries({ ...labels });
    this.series.push(series);
    return series;
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    for (const series of this.series ?? []) series.pending = 0;
    super.reset();
  }
}
