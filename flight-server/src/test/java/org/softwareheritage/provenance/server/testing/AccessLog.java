package org.softwareheritage.provenance.server.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** The lines of the server's access log while it is open, as a test reads them. */
public final class AccessLog implements AutoCloseable {
  private final Logger logger = (Logger) LoggerFactory.getLogger("access");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public AccessLog() {
    appender.start();
    logger.addAppender(appender);
  }

  /** The messages logged so far. */
  public List<String> lines() {
    synchronized (appender) {
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /**
   * The messages logged so far that {@code matching} accepts, waiting up to {@code timeout} for
   * {@code count}.
   */
  public List<String> await(Predicate<String> matching, int count, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> found = lines().stream().filter(matching).toList();
      if (found.size() >= count || System.nanoTime() > deadline) {
        return found;
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
