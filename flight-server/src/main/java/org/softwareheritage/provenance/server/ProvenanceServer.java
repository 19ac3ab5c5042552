package org.softwareheritage.provenance.server;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.server.grpc.ProvenanceGrpcService;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;

/**
 * The listening server: {@code swh.provenance.ProvenanceService}, the standard health service
 * and server reflection on one port, calls run on a bounded pool of worker threads.
 */
public final class ProvenanceServer implements AutoCloseable {
  /** Largest request accepted: room for a WhereAreOne of about a million SWHIDs. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final Server server;
  private final HealthStatusManager health;
  private final ExecutorService workers;

  private ProvenanceServer(Server server, HealthStatusManager health, ExecutorService workers) {
    this.server = server;
    this.health = health;
    this.workers = workers;
  }

  /** Starts serving {@code queries} on {@code address} (port 0: an ephemeral port). */
  public static ProvenanceServer start(InetSocketAddress address, ProvenanceQueries queries) throws IOException {
    return start(address, queries, builder -> { });
  }

  /**
   * Starts serving {@code queries} on {@code address}; {@code transport} adds interceptors and
   * transport settings (limits, TLS, keepalive) to the Netty server before it is built.
   */
  public static ProvenanceServer start(InetSocketAddress address, ProvenanceQueries queries,
      Consumer<NettyServerBuilder> transport) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    ExecutorService workers = Executors.newFixedThreadPool(
        Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), namedThreads("grpc-worker-"));
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
        .executor(workers)
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .addService(new ProvenanceGrpcService(queries))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance());
    transport.accept(builder);
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      workers.shutdownNow();
      throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    health.setStatus(ProvenanceServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    return new ProvenanceServer(server, health, workers);
  }

  private static ThreadFactory namedThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The port the server listens on. */
  public int port() {
    return server.getPort();
  }

  /** Blocks until the server has shut down. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Stops taking new calls, lets in-flight calls finish for up to {@code grace}, then cancels
   * what is left. Health reports NOT_SERVING from the start.
   */
  public void shutdown(Duration grace) throws InterruptedException {
    health.enterTerminalState();
    server.shutdown();
    if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      server.shutdownNow();
      server.awaitTermination();
    }
    workers.shutdown();
    workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    shutdown(Duration.ofSeconds(5));
  }
}
