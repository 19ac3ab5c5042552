package org.softwareheritage.provenance.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.server.flight.DeferredFlightProducer;
import org.softwareheritage.provenance.server.flight.FlightDescriptorCheck;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.flight.ProvenanceFlightProducer;
import org.softwareheritage.provenance.server.grpc.LoadingGate;
import org.softwareheritage.provenance.server.grpc.ProvenanceGrpcService;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.ops.OperationsSettings;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;

/**
 * The listening server: one Netty gRPC server on one port carrying Arrow Flight, {@code
 * swh.provenance.ProvenanceService}, the standard health service and server reflection, all
 * answering from the same loaded tables and indices. Calls run on a bounded worker pool. It listens
 * before the database is loaded (health NOT_SERVING, calls UNAVAILABLE) so that probes work during
 * a long load; {@link #serve} makes it ready.
 */
public final class ProvenanceServer implements AutoCloseable {
  /**
   * Bytes a Flight stream may have queued for its client before its producer waits. Flight's
   * default (10 MiB) would let every stream whose client stops reading pin that much memory until
   * the call ends; the producer keeps the queue full a few batches beyond this (see
   * flight.ReadyWaiter).
   */
  private static final int FLIGHT_READY_THRESHOLD_BYTES = 1 << 20;

  /** How long the worker and stream threads may take to stop once the server has terminated. */
  private static final Duration EXECUTOR_STOP = Duration.ofSeconds(1);

  /** How long FlightServer.close() may wait before and after cancelling the calls left. */
  private static final long FLIGHT_CLOSE_MILLIS = 6_000;

  /** Names the health service reports on: the whole server ("") and each served API. */
  private static final List<String> HEALTH_SERVICE_NAMES =
      List.of(
          HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
          ProvenanceServiceGrpc.SERVICE_NAME,
          "arrow.flight.protocol.FlightService");

  /**
   * A health service name that is SERVING as long as the process answers, whether loading, in
   * maintenance or draining: what a liveness probe asks (Kubernetes' native gRPC probe).
   */
  public static final String LIVENESS = "liveness";

  private final FlightServer server;
  private final HealthStatusManager health;
  private final ExecutorService workers;
  private final ExecutorService streams;
  private final BufferAllocator flightMemory;
  private final FlightOptions flightOptions;
  private final AtomicReference<Loaded> loaded;
  private boolean maintenance;
  private boolean draining;
  private volatile Runnable endRunningCalls = () -> {};

  /** What the APIs answer from once a database is served: set once, by {@link #serve}. */
  private record Loaded(ProvenanceQueries queries, ProvenanceFlightProducer flight) {}

  private ProvenanceServer(
      FlightServer server,
      HealthStatusManager health,
      ExecutorService workers,
      ExecutorService streams,
      BufferAllocator flightMemory,
      FlightOptions flightOptions,
      AtomicReference<Loaded> loaded) {
    this.server = server;
    this.health = health;
    this.workers = workers;
    this.streams = streams;
    this.flightMemory = flightMemory;
    this.flightOptions = flightOptions;
    this.loaded = loaded;
  }

  /** {@link #listen} (lookups on the transport thread), then {@link #serve} {@code data}. */
  public static ProvenanceServer start(
      InetSocketAddress address,
      IndexedDatabase data,
      BufferAllocator allocator,
      FlightOptions flight,
      Consumer<NettyServerBuilder> transport)
      throws IOException {
    ProvenanceServer server = listen(address, allocator, flight, true, transport);
    server.serve(data);
    return server;
  }

  /**
   * Starts listening on {@code address} with nothing to serve yet: health reports NOT_SERVING and
   * calls answer UNAVAILABLE until {@link #serve} is called. Flight streams are allocated from a
   * child of {@code allocator} and cut as {@code flight} says. With {@code inlineLookups},
   * WhereIsOne and health checks run on the transport thread (see {@link InlineLookups}); without,
   * every call runs on the workers, which an interceptor that may block (fetching keys over HTTP)
   * needs. {@code transport} adds interceptors and transport settings (limits, TLS, keepalive) to
   * the Netty server before it is built.
   */
  public static ProvenanceServer listen(
      InetSocketAddress address,
      BufferAllocator allocator,
      FlightOptions flight,
      boolean inlineLookups,
      Consumer<NettyServerBuilder> transport)
      throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    ExecutorService workers =
        Executors.newFixedThreadPool(
            Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
            new DefaultThreadFactory("grpc-worker", true));
    // Flight streams (DoGet, DoExchange) run on threads of their own, never on a gRPC callback
    // thread: a stream waits for its client, and must not take a worker that other calls need
    ExecutorService streams =
        Executors.newCachedThreadPool(new DefaultThreadFactory("flight-stream", true));
    BufferAllocator flightMemory = allocator.newChildAllocator("flight", 0, Long.MAX_VALUE);
    AtomicReference<Loaded> loaded = new AtomicReference<>();
    Consumer<NettyServerBuilder> services =
        builder -> {
          // the Flight builder gives gRPC its executor (streams); callbacks go to the workers
          // instead
          builder
              .executor(workers)
              .maxInboundMessageSize(OperationsSettings.DEFAULT_MAX_MESSAGE_SIZE)
              .addService(ProvenanceGrpcService.definition(() -> loaded.get().queries()))
              .addService(health.getHealthService())
              .addService(ProtoReflectionServiceV1.newInstance())
              .intercept(new LoadingGate(() -> loaded.get() != null))
              .intercept(new FlightDescriptorCheck());
          if (inlineLookups) {
            builder.callExecutor(new InlineLookups());
          }
          transport.accept(builder);
        };
    FlightServer server =
        FlightServer.builder(
                flightMemory,
                Location.forGrpcInsecure(address.getHostString(), address.getPort()),
                new DeferredFlightProducer(() -> loaded.get().flight()))
            .executor(streams)
            .backpressureThreshold(FLIGHT_READY_THRESHOLD_BYTES)
            .transportHint("grpc.builderConsumer", services)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      workers.shutdownNow();
      streams.shutdownNow();
      flightMemory.close();
      throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    ProvenanceServer started =
        new ProvenanceServer(server, health, workers, streams, flightMemory, flight, loaded);
    health.setStatus(LIVENESS, ServingStatus.SERVING);
    started.updateHealth();
    return started;
  }

  /**
   * Moves WhereIsOne and health checks onto the transport thread once grpc-java has started them on
   * a worker: the lookup and the response then run where the request was read, without a hand-off
   * to a worker and back per call (8 clients on two cores: 15-35 % more calls per second). Other
   * calls stay on the worker pool.
   */
  private static final class InlineLookups implements ServerCallExecutorSupplier {
    private static final Set<String> INLINE_METHODS =
        Set.of(
            ProvenanceServiceGrpc.getWhereIsOneMethod().getFullMethodName(),
            HealthGrpc.getCheckMethod().getFullMethodName());

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
      return INLINE_METHODS.contains(call.getMethodDescriptor().getFullMethodName())
          ? Runnable::run
          : null;
    }
  }

  /** Starts answering from {@code data}; health turns SERVING unless in maintenance. */
  public synchronized void serve(IndexedDatabase data) {
    ProvenanceQueries queries = new ProvenanceQueries(data.index());
    loaded.set(
        new Loaded(
            queries,
            new ProvenanceFlightProducer(data, queries, flightMemory, flightOptions, streams)));
    updateHealth();
  }

  /**
   * Maintenance on: health reports NOT_SERVING (the calls themselves are refused by an
   * interceptor).
   */
  public synchronized void setMaintenance(boolean on) {
    maintenance = on;
    updateHealth();
  }

  private synchronized void updateHealth() {
    if (draining) {
      return;
    }
    ServingStatus status =
        loaded.get() != null && !maintenance ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    for (String service : HEALTH_SERVICE_NAMES) {
      health.setStatus(service, status);
    }
  }

  /** The port the server listens on. */
  public int port() {
    return server.getPort();
  }

  /**
   * Blocks until the server has shut down and its stream threads have stopped (for up to a few
   * seconds more): only then may the database they read be closed.
   */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
    streams.awaitTermination(EXECUTOR_STOP.toMillis() + FLIGHT_CLOSE_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * What ends the calls still running when a drain times out, before they are cancelled: the
   * operations' call guard, which gives each its status (UNAVAILABLE) if the client can take it.
   */
  public void onDrainTimeout(Runnable endRunningCalls) {
    this.endRunningCalls = endRunningCalls;
  }

  /**
   * Stops taking new calls, lets in-flight calls finish for up to {@code grace}, then ends what is
   * left ({@link #onDrainTimeout}) and cancels what is still there a few seconds later (Flight
   * waits 3 s): returns within {@code grace} and a few seconds, whatever clients do, since the
   * threads of cancelled streams stop with their call. Health reports NOT_SERVING from the start,
   * but for {@link #LIVENESS}.
   */
  public void shutdown(Duration grace) throws InterruptedException {
    synchronized (this) {
      if (!draining) {
        draining = true;
        for (String service : HEALTH_SERVICE_NAMES) {
          health.setStatus(service, ServingStatus.NOT_SERVING);
        }
      }
    }
    server.shutdown();
    if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      endRunningCalls.run();
    }
    server.close();
    workers.shutdown();
    streams.shutdownNow();
    for (ExecutorService executor : List.of(workers, streams)) {
      executor.awaitTermination(EXECUTOR_STOP.toMillis(), TimeUnit.MILLISECONDS);
    }
    flightMemory.close();
  }

  @Override
  public void close() throws InterruptedException {
    shutdown(Duration.ofSeconds(5));
  }
}
