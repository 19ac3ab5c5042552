package org.softwareheritage.provenance.server.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.softwareheritage.provenance.server.ops.LogFormat;
import org.softwareheritage.provenance.server.ops.OperationsSettings;
import picocli.CommandLine.Option;

/**
 * The production options of {@code serve} (docs/operations.md, "Server configuration"), each also
 * read from {@code SWH_PROVENANCE_<OPTION>} in the environment.
 */
final class OperationsOptions {
  @Option(
      names = "--metrics-bind",
      paramLabel = "HOST:PORT",
      converter = BindAddressConverter.class,
      defaultValue = "${env:SWH_PROVENANCE_METRICS_BIND}",
      description =
          "Serve the Prometheus scrape (/metrics) and the admin maintenance switch (/maintenance)"
              + " here (default: off).")
  InetSocketAddress metricsBind;

  @Option(
      names = "--max-call-time",
      paramLabel = "DURATION",
      defaultValue =
          "${env:SWH_PROVENANCE_MAX_CALL_TIME:-" + OperationsSettings.DEFAULT_MAX_CALL_TIME + "}",
      description =
          "Longest a call may run; a shorter client deadline wins (ISO-8601, default:"
              + " ${DEFAULT-VALUE}).")
  Duration maxCallTime;

  @Option(
      names = "--max-swhids-per-request",
      paramLabel = "N",
      defaultValue =
          "${env:SWH_PROVENANCE_MAX_SWHIDS_PER_REQUEST:-"
              + OperationsSettings.DEFAULT_MAX_SWHIDS_PER_REQUEST
              + "}",
      description =
          "Most SWHIDs one WhereAreOne or bulk request may name (default: ${DEFAULT-VALUE}).")
  int maxSwhidsPerRequest;

  @Option(
      names = "--max-message-size",
      paramLabel = "BYTES",
      defaultValue =
          "${env:SWH_PROVENANCE_MAX_MESSAGE_SIZE:-"
              + OperationsSettings.DEFAULT_MAX_MESSAGE_SIZE
              + "}",
      description = "Largest inbound message in bytes (default: ${DEFAULT-VALUE}, 64 MiB).")
  int maxMessageSize;

  @Option(
      names = "--max-concurrent-calls",
      paramLabel = "N",
      defaultValue =
          "${env:SWH_PROVENANCE_MAX_CONCURRENT_CALLS:-"
              + OperationsSettings.DEFAULT_MAX_CONCURRENT_CALLS
              + "}",
      description = "Most calls (unary and streaming) running at once (default: ${DEFAULT-VALUE}).")
  int maxConcurrentCalls;

  @Option(
      names = "--max-concurrent-calls-per-client",
      paramLabel = "N",
      defaultValue = "${env:SWH_PROVENANCE_MAX_CONCURRENT_CALLS_PER_CLIENT}",
      description =
          "Most calls running at once for one client (identity or address) (default: a quarter of"
              + " --max-concurrent-calls).")
  Integer maxConcurrentCallsPerClient;

  @Option(
      names = "--call-memory-budget",
      paramLabel = "BYTES",
      defaultValue = "${env:SWH_PROVENANCE_CALL_MEMORY_BUDGET}",
      description =
          "Heap running calls may hold together for their requests; a call that does not fit gets"
              + " RESOURCE_EXHAUSTED (default: half the heap).")
  Long callMemoryBudget;

  @Option(
      names = "--rate-limit",
      paramLabel = "CALLS_PER_SECOND",
      defaultValue = "${env:SWH_PROVENANCE_RATE_LIMIT}",
      description =
          "Calls per second allowed to each client (identity or address); refused tokens count too"
              + " (default: no limit).")
  Long rateLimit;

  @Option(
      names = "--rate-limit-burst",
      paramLabel = "CALLS",
      defaultValue = "${env:SWH_PROVENANCE_RATE_LIMIT_BURST}",
      description = "Calls a client may make at once before the rate applies (default: the rate).")
  Long rateLimitBurst;

  @Option(
      names = "--rate-limit-key-header",
      paramLabel = "HEADER",
      defaultValue = "${env:SWH_PROVENANCE_RATE_LIMIT_KEY_HEADER}",
      description =
          "Trusted header whose last entry is the client's address, e.g. x-forwarded-for behind the"
              + " ingress; used for the per-client limits of anonymous calls (default: the peer's"
              + " address).")
  String rateLimitKeyHeader;

  @Option(
      names = "--auth-token-file",
      paramLabel = "FILE",
      defaultValue = "${env:SWH_PROVENANCE_AUTH_TOKEN_FILE}",
      description =
          "Accept the bearer tokens in FILE (one per line: TOKEN or NAME TOKEN) (default: no"
              + " authentication).")
  Path authTokenFile;

  @Option(
      names = "--jwks",
      paramLabel = "URL_OR_FILE",
      defaultValue = "${env:SWH_PROVENANCE_JWKS}",
      description = "Accept Keycloak JWTs signed (RS256) by a key of this JWKS (default: off).")
  String jwks;

  @Option(
      names = "--jwt-issuer",
      paramLabel = "URL",
      defaultValue = "${env:SWH_PROVENANCE_JWT_ISSUER}",
      description = "Required JWT issuer, e.g. https://auth.example.org/realms/REALM.")
  String jwtIssuer;

  @Option(
      names = "--jwt-audience",
      paramLabel = "CLIENT",
      defaultValue = "${env:SWH_PROVENANCE_JWT_AUDIENCE}",
      description = "Required JWT audience (aud).")
  String jwtAudience;

  @Option(
      names = "--jwt-required-role",
      paramLabel = "ROLE",
      defaultValue = "${env:SWH_PROVENANCE_JWT_REQUIRED_ROLE}",
      description =
          "Role a JWT must grant (realm_access.roles or resource_access.<audience>.roles) (default:"
              + " none).")
  String jwtRequiredRole;

  @Option(
      names = "--admin-token-file",
      paramLabel = "FILE",
      defaultValue = "${env:SWH_PROVENANCE_ADMIN_TOKEN_FILE}",
      description =
          "Token (first line) allowed to switch maintenance on /maintenance of --metrics-bind.")
  Path adminTokenFile;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      defaultValue = "${env:SWH_PROVENANCE_TLS_CERT}",
      description = "Serve TLS with this certificate chain (with --tls-key) (default: plaintext).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      defaultValue = "${env:SWH_PROVENANCE_TLS_KEY}",
      description = "Private key (PKCS#8 PEM) of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--maintenance-file",
      paramLabel = "PATH",
      defaultValue = "${env:SWH_PROVENANCE_MAINTENANCE_FILE}",
      description =
          "While this file exists every call answers UNAVAILABLE (its first line is the message)"
              + " (default: off).")
  Path maintenanceFile;

  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      defaultValue = "${env:SWH_PROVENANCE_LOG_FORMAT:-${env:SWH_LOG_FORMAT:-text}}",
      description = "Log lines as text or one JSON object per line (default: ${DEFAULT-VALUE}).")
  String logFormat;

  /**
   * The settings, once the options that only make sense together are checked.
   *
   * @throws IllegalArgumentException naming the options that do not fit
   */
  OperationsSettings settings() {
    if (jwks != null && (jwtIssuer == null || jwtAudience == null)) {
      throw new IllegalArgumentException("--jwks needs --jwt-issuer and --jwt-audience");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (maxConcurrentCallsPerClient != null && maxConcurrentCallsPerClient < 1) {
      throw new IllegalArgumentException("--max-concurrent-calls-per-client must be at least 1");
    }
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

  LogFormat logFormat() {
    return switch (logFormat.toLowerCase(java.util.Locale.ROOT)) {
      case "text" -> LogFormat.TEXT;
      case "json" -> LogFormat.JSON;
      default ->
          throw new IllegalArgumentException(
              "--log-format: '" + logFormat + "' is neither text nor json");
    };
  }
}
