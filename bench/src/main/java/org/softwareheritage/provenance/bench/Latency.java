package org.softwareheritage.provenance.bench;

import java.util.Arrays;

/** Percentiles of call latencies, in microseconds. */
record Latency(int calls, double p50Micros, double p99Micros, double maxMicros) {
  static Latency of(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Latency(
        sorted.length, micros(sorted, 0.50), micros(sorted, 0.99), sorted[sorted.length - 1] / 1e3);
  }

  private static double micros(long[] sorted, double quantile) {
    int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e3;
  }
}
