package org.softwareheritage.provenance.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything {@code whereis} writes to stderr: one line per problem and, when enabled, a progress
 * line rewritten in place twice a second ({@code 123,456 SWHIDs answered, 45,678/s}).
 */
final class Reporter implements AutoCloseable {
  private static final long TICK_MILLIS = 500;

  private final PrintWriter err;
  private final AtomicLong answered = new AtomicLong();
  private final long start = System.nanoTime();
  private final ScheduledExecutorService timer;
  private boolean progressShown;

  Reporter(PrintWriter err, boolean progress) {
    this.err = err;
    if (progress) {
      timer =
          Executors.newSingleThreadScheduledExecutor(
              runnable -> {
                Thread thread = new Thread(runnable, "progress");
                thread.setDaemon(true);
                return thread;
              });
      timer.scheduleAtFixedRate(
          this::showProgress, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    } else {
      timer = null;
    }
  }

  /** Whether stderr is a terminal (Linux; elsewhere: false, so no progress unless asked for). */
  static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  /** Counts one answer. */
  void answered() {
    answered.incrementAndGet();
  }

  /** How many answers were counted. */
  long answeredCount() {
    return answered.get();
  }

  /** Writes one problem line. */
  synchronized void problem(String line) {
    if (progressShown) {
      err.println();
      progressShown = false;
    }
    err.println(line);
    err.flush();
  }

  private synchronized void showProgress() {
    long count = answered.get();
    double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
    err.printf("\r%,d SWHIDs answered, %,d/s", count, Math.round(count / seconds));
    err.flush();
    progressShown = true;
  }

  /** Stops the progress line, leaving its final count on a line of its own. */
  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
      showProgress();
      synchronized (this) {
        err.println();
        err.flush();
        progressShown = false;
      }
    }
  }
}
