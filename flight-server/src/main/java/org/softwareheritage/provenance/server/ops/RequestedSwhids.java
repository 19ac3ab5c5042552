package org.softwareheritage.provenance.server.ops;

import io.grpc.Context;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many SWHIDs the current call asked about, for its access-log line: a per-call counter that
 * the {@link CallMonitor} creates in the call's context. gRPC requests are counted by the monitor;
 * Arrow Flight bulk requests (DoGet tickets, DoExchange batches), whose messages it cannot read, by
 * the producer, even when they are refused.
 */
public final class RequestedSwhids {
  static final Context.Key<AtomicLong> KEY = Context.key("swh-provenance-requested-swhids");

  private RequestedSwhids() {}

  /** Adds {@code count} SWHIDs to the current call's count (nothing outside a monitored call). */
  public static void add(long count) {
    AtomicLong counter = KEY.get();
    if (counter != null) {
      counter.addAndGet(count);
    }
  }
}
