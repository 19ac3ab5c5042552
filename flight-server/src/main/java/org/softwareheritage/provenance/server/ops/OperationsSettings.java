package org.softwareheritage.provenance.server.ops;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The operational settings of {@code serve} (docs/operations.md, "Server configuration"); {@code
 * null} means "off" for every optional one.
 *
 * @param metricsBind where to serve the Prometheus scrape and the admin endpoint, or null
 * @param maxCallTime the longest a call may run
 * @param maxSwhidsPerRequest most SWHIDs one WhereAreOne (or bulk) request may name
 * @param maxMessageSize largest inbound message, in bytes
 * @param maxConcurrentCalls most calls running at once
 * @param rateLimit calls per second per client, or null
 * @param rateLimitBurst calls a client may make at once (null: as many as {@code rateLimit})
 * @param authTokenFile static bearer tokens, or null
 * @param jwks JWKS URL or file for Keycloak JWTs, or null
 * @param jwtIssuer required {@code iss} of JWTs
 * @param jwtAudience required {@code aud} of JWTs
 * @param jwtRequiredRole role JWTs must grant, or null
 * @param adminTokenFile the admin token (first line) for the maintenance switch, or null
 * @param tlsCert PEM certificate chain, or null for plaintext
 * @param tlsKey PEM private key (PKCS#8), or null
 * @param maintenanceFile the red-button file, or null
 * @param maxConcurrentCallsPerClient most calls running at once for one client (null: a quarter of
 *     {@code maxConcurrentCalls})
 * @param rateLimitKeyHeader trusted header whose last entry is the client's address (e.g. {@code
 *     x-forwarded-for} behind the ingress), or null for the peer's address
 * @param callMemoryBudget heap bytes running calls may hold together (null: half the heap)
 */
public record OperationsSettings(
    InetSocketAddress metricsBind,
    Duration maxCallTime,
    int maxSwhidsPerRequest,
    int maxMessageSize,
    int maxConcurrentCalls,
    Long rateLimit,
    Long rateLimitBurst,
    Path authTokenFile,
    String jwks,
    String jwtIssuer,
    String jwtAudience,
    String jwtRequiredRole,
    Path adminTokenFile,
    Path tlsCert,
    Path tlsKey,
    Path maintenanceFile,
    Integer maxConcurrentCallsPerClient,
    String rateLimitKeyHeader,
    Long callMemoryBudget) {

  /** The longest a call may run by default (ISO-8601). */
  public static final String DEFAULT_MAX_CALL_TIME = "PT60S";

  /** The most SWHIDs (or keys) one request may name by default. */
  public static final int DEFAULT_MAX_SWHIDS_PER_REQUEST = 1_000_000;

  /** The largest inbound message by default: room for a WhereAreOne of about a million SWHIDs. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

  /** The most calls running at once by default. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 256;

  /** Every limit at its default, everything optional off. */
  public static OperationsSettings defaults() {
    return new OperationsSettings(
        null,
        Duration.parse(DEFAULT_MAX_CALL_TIME),
        DEFAULT_MAX_SWHIDS_PER_REQUEST,
        DEFAULT_MAX_MESSAGE_SIZE,
        DEFAULT_MAX_CONCURRENT_CALLS,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** The per-client cap on concurrent calls, its default applied. */
  public int effectiveMaxConcurrentCallsPerClient() {
    return maxConcurrentCallsPerClient != null
        ? maxConcurrentCallsPerClient
        : Math.max(1, maxConcurrentCalls / 4);
  }

  /** The call memory budget in bytes, its default applied. */
  public long effectiveCallMemoryBudget() {
    return callMemoryBudget != null ? callMemoryBudget : CallMemory.defaultCapacity();
  }
}
