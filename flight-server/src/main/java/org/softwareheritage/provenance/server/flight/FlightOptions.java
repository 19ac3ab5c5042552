package org.softwareheritage.provenance.server.flight;

import org.softwareheritage.provenance.server.grpc.RequestException;
import org.softwareheritage.provenance.server.ops.OperationsSettings;

/**
 * How Flight streams are cut and bounded: {@code endpointRows}, the most rows one endpoint of a
 * table offers (larger tables get several, for clients to read in parallel), {@code batchRows}, the
 * rows per record batch, and {@code maxSwhidsPerRequest}, the most SWHIDs one bulk provenance
 * request may name.
 */
public record FlightOptions(int endpointRows, int batchRows, int maxSwhidsPerRequest) {
  /** Rows of one endpoint by default. */
  public static final int DEFAULT_ENDPOINT_ROWS = 4 * 1024 * 1024;

  /** Rows of one record batch by default. */
  public static final int DEFAULT_BATCH_ROWS = 64 * 1024;

  public static final FlightOptions DEFAULT =
      new FlightOptions(
          DEFAULT_ENDPOINT_ROWS,
          DEFAULT_BATCH_ROWS,
          OperationsSettings.DEFAULT_MAX_SWHIDS_PER_REQUEST);

  public FlightOptions {
    if (endpointRows < 1 || batchRows < 1 || maxSwhidsPerRequest < 1) {
      throw new IllegalArgumentException(
          "endpoint and batch sizes and the SWHID limit must be at least 1");
    }
  }

  /**
   * Fails with the message clients see when a request names {@code count} SWHIDs, over the limit.
   */
  void checkSwhidCount(long count) {
    checkCount(count, "SWHIDs");
  }

  /**
   * Fails with the message clients see when a request lists {@code count} {@code items}, over the
   * SWHID limit.
   */
  void checkCount(long count, String items) {
    if (count > maxSwhidsPerRequest) {
      throw RequestException.invalid(
          "the request names "
              + count
              + " "
              + items
              + "; at most "
              + maxSwhidsPerRequest
              + " are allowed per request");
    }
  }
}
