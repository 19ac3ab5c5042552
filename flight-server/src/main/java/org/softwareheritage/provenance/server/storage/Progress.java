package org.softwareheritage.provenance.server.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long step over a known number of rows: a log line every {@value #EVERY_SECONDS}
 * seconds with the rows done, the rate and the time left, and a last line when it took that long.
 * Short steps log at debug level only, so small databases start quietly.
 */
public final class Progress {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
  private static final long EVERY_SECONDS = 10;
  private static final long EVERY_NANOS = EVERY_SECONDS * 1_000_000_000L;

  private final String step;
  private final long total;
  private final long start = System.nanoTime();
  private long done;
  private long nextReport = start + EVERY_NANOS;

  /** A step named {@code step} (e.g. "loading table nodes") over {@code total} rows. */
  public Progress(String step, long total) {
    this.step = step;
    this.total = total;
  }

  /** {@code rows} more rows are done. */
  public void advance(long rows) {
    done += rows;
    long now = System.nanoTime();
    if (now >= nextReport) {
      nextReport = now + EVERY_NANOS;
      double seconds = (now - start) / 1e9;
      double rate = done / seconds;
      LOG.info(
          "{}: {} of {} rows ({}%), {} rows/s, about {} s left",
          step,
          done,
          total,
          total == 0 ? 100 : done * 100 / total,
          Math.round(rate),
          rate == 0 ? "?" : Math.round((total - done) / rate));
    }
  }

  /** The step is over. */
  public void done() {
    double seconds = (System.nanoTime() - start) / 1e9;
    if (seconds >= EVERY_SECONDS) {
      LOG.info(
          "{}: {} rows in {} s ({} rows/s)",
          step,
          total,
          Math.round(seconds),
          Math.round(total / seconds));
    } else {
      LOG.debug("{}: {} rows in {} ms", step, total, Math.round(seconds * 1000));
    }
  }
}
