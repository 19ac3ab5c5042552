package org.softwareheritage.provenance.server.ops;

import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sentry.Sentry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.softwareheritage.provenance.server.ProvenanceServer;
import org.softwareheritage.provenance.server.index.IndexedDatabase;

/**
 * Everything production adds around the server, owned in one place: metrics and Sentry, the
 * interceptors (monitor, call guard, maintenance, authentication, rate and concurrency limits, call
 * time, request size), the call memory budget and transport limits applied through {@link
 * #configure}, the maintenance watch and the operators' HTTP endpoint. Interceptors cover every
 * service of the server, Flight too.
 */
public final class Operations implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Operations.class);
  private static final int MAX_HEADER_BYTES = 16 * 1024;

  private final OperationsSettings settings;
  private final SentryReporting sentry;
  private final Metrics metrics;
  private final ScheduledExecutorService timer;
  private final List<TokenVerifier> verifiers;
  private final String adminToken;
  private final Maintenance maintenance;
  private final CallMemory callMemory;
  private final CallGuard guard;
  private OpsEndpoint endpoint;

  private Operations(
      OperationsSettings settings,
      SentryReporting sentry,
      Metrics metrics,
      ScheduledExecutorService timer,
      List<TokenVerifier> verifiers,
      String adminToken,
      CallMemory callMemory) {
    this.settings = settings;
    this.sentry = sentry;
    this.metrics = metrics;
    this.timer = timer;
    this.verifiers = verifiers;
    this.adminToken = adminToken;
    this.maintenance = new Maintenance(settings.maintenanceFile());
    this.callMemory = callMemory;
    this.guard = new CallGuard(callMemory, timer);
  }

  /** Reads token files and the JWKS and sets up Sentry and metrics from {@code env}. */
  public static Operations start(OperationsSettings settings, Map<String, String> env)
      throws IOException {
    List<TokenVerifier> verifiers = new ArrayList<>();
    if (settings.authTokenFile() != null) {
      verifiers.add(StaticTokens.load(settings.authTokenFile()));
    }
    if (settings.jwks() != null) {
      verifiers.add(
          new KeycloakJwtVerifier(
              settings.jwks(),
              settings.jwtIssuer(),
              settings.jwtAudience(),
              settings.jwtRequiredRole()));
    }
    CallMemory callMemory = new CallMemory(settings.effectiveCallMemoryBudget());
    if (settings.tlsCert() != null) {
      TlsKeyPair.check(settings.tlsCert(), settings.tlsKey());
    }
    String adminToken = null;
    if (settings.adminTokenFile() != null) {
      adminToken =
          Files.readAllLines(settings.adminTokenFile(), StandardCharsets.UTF_8).stream()
              .map(String::trim)
              .filter(line -> !line.isEmpty())
              .findFirst()
              .orElseThrow(() -> new IOException(settings.adminTokenFile() + ": no token"));
    }
    SentryReporting sentry = SentryReporting.fromEnvironment(env);
    Metrics metrics = Metrics.fromEnvironment(env, settings.metricsBind() != null);
    metrics.bindJvm();
    // every call schedules its deadline here and cancels it when it ends: cancelled tasks must
    // leave the queue, or a busy server keeps a minute of them (--max-call-time) on the heap
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("ops-timer", true));
    timer.setRemoveOnCancelPolicy(true);
    return new Operations(
        settings, sentry, metrics, timer, List.copyOf(verifiers), adminToken, callMemory);
  }

  /** Transport limits, TLS and the interceptors, for {@link ProvenanceServer#listen}. */
  public void configure(NettyServerBuilder builder) {
    builder
        .maxInboundMessageSize(settings.maxMessageSize())
        .maxInboundMetadataSize(MAX_HEADER_BYTES)
        .maxRstFramesPerWindow(200, 10)
        .keepAliveTime(60, TimeUnit.SECONDS)
        .keepAliveTimeout(20, TimeUnit.SECONDS)
        .permitKeepAliveTime(20, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .maxConnectionAge(1, TimeUnit.HOURS)
        .maxConnectionAgeGrace(settings.maxCallTime().toMillis(), TimeUnit.MILLISECONDS);
    if (settings.tlsCert() != null) {
      builder.useTransportSecurity(settings.tlsCert().toFile(), settings.tlsKey().toFile());
    }
    builder.addStreamTracerFactory(guard);
    ClientKeys clients = new ClientKeys(settings.rateLimitKeyHeader());
    // Interceptors run in the reverse order they are added: the monitor sees every call first.
    builder.intercept(new SwhidLimit(settings.maxSwhidsPerRequest()));
    builder.intercept(new CallTimeLimit(settings.maxCallTime(), timer));
    builder.intercept(
        new ConcurrencyLimit(
            settings.maxConcurrentCalls(),
            settings.effectiveMaxConcurrentCallsPerClient(),
            clients));
    RateLimit rateLimit =
        settings.rateLimit() == null
            ? null
            : new RateLimit(
                settings.rateLimit(),
                settings.rateLimitBurst() != null
                    ? settings.rateLimitBurst()
                    : settings.rateLimit(),
                clients);
    if (rateLimit != null) {
      builder.intercept(rateLimit);
    }
    if (!verifiers.isEmpty()) {
      builder.intercept(new BearerAuthentication(verifiers, rateLimit, clients));
    }
    builder.intercept(maintenance);
    // every other interceptor and the services get the guard's call, which the guard can end
    builder.intercept(guard);
    builder.intercept(new CallMonitor(metrics.registry()));
  }

  /**
   * Whether an interceptor may block a call (authentication fetching keys over HTTP): then no call
   * may run on a transport thread ({@link ProvenanceServer#listen}'s {@code inlineLookups}).
   */
  public boolean mayBlockCalls() {
    return verifiers.stream().anyMatch(TokenVerifier::mayBlock);
  }

  /**
   * Ties maintenance to {@code server}'s health and to the running calls (switching it on ends them
   * with UNAVAILABLE, as does a drain that times out), starts watching the maintenance file and
   * opens the operators' endpoint; call once the server listens.
   */
  public void attach(ProvenanceServer server, BufferAllocator allocator) throws IOException {
    metrics.bindArrowMemory(allocator);
    maintenance.watch(
        timer,
        on -> {
          server.setMaintenance(on);
          if (on) {
            guard.endAll(maintenance.refusal());
          }
        });
    server.onDrainTimeout(
        () ->
            guard.endAll(
                Status.UNAVAILABLE.withDescription(
                    "the server is shutting down; retry (another replica)")));
    if (settings.metricsBind() != null) {
      endpoint = OpsEndpoint.start(settings.metricsBind(), metrics, maintenance, adminToken);
      LOG.info(
          "metrics on http://{}:{}/metrics",
          settings.metricsBind().getHostString(),
          endpoint.port());
    }
  }

  /** What loads the database; its failures are reported. */
  @FunctionalInterface
  public interface Loader {
    IndexedDatabase load() throws IOException;
  }

  /**
   * Runs {@code loader}: a database that cannot be loaded is reported to Sentry and the error
   * rethrown; a loaded one adds its sizes and load time to the metrics.
   */
  public IndexedDatabase load(Loader loader) throws IOException {
    IndexedDatabase data;
    try {
      data = loader.load();
    } catch (IOException | RuntimeException e) {
      Sentry.withScope(
          scope -> {
            scope.setTag("phase", "load");
            Sentry.captureException(e);
          });
      throw e;
    }
    metrics.bindDatabase(data);
    return data;
  }

  /** The heap budget of running calls. */
  public CallMemory callMemory() {
    return callMemory;
  }

  /** The guard of running calls. */
  public CallGuard calls() {
    return guard;
  }

  /** The port of the operators' endpoint, or -1 without {@code --metrics-bind}. */
  public int metricsPort() {
    return endpoint == null ? -1 : endpoint.port();
  }

  @Override
  public void close() {
    if (endpoint != null) {
      endpoint.close();
    }
    maintenance.close();
    timer.shutdownNow();
    metrics.close();
    sentry.close();
  }
}
