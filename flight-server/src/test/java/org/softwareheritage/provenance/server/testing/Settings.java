package org.softwareheritage.provenance.server.testing;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.softwareheritage.provenance.server.ops.OperationsSettings;

/** Operations settings for tests: the defaults with the fields a test changes. */
public final class Settings {
  public InetSocketAddress metricsBind;
  public Duration maxCallTime = Duration.ofSeconds(60);
  public int maxSwhidsPerRequest = 1_000_000;
  public int maxMessageSize = 64 * 1024 * 1024;
  public int maxConcurrentCalls = 256;
  public Long rateLimit;
  public Long rateLimitBurst;
  public Path authTokenFile;
  public String jwks;
  public String jwtIssuer;
  public String jwtAudience;
  public String jwtRequiredRole;
  public Path adminTokenFile;
  public Path tlsCert;
  public Path tlsKey;
  public Path maintenanceFile;
  public Integer maxConcurrentCallsPerClient;
  public String rateLimitKeyHeader;
  public Long callMemoryBudget;

  public OperationsSettings build() {
    return new OperationsSettings(
        metricsBind,
        maxCallTime,
        maxSwhidsPerRequest,
        maxMessageSize,
        maxConcurrentCalls,
        rateLimit,
        rateLimitBurst,
        authTokenFile,
        jwks,
        jwtIssuer,
        jwtAudience,
        jwtRequiredRole,
        adminTokenFile,
        tlsCert,
        tlsKey,
        maintenanceFile,
        maxConcurrentCallsPerClient,
        rateLimitKeyHeader,
        callMemoryBudget);
  }
}
