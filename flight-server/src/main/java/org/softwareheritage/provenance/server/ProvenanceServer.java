package org.softwareheritage.provenance.server;

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
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.flight.ProvenanceFlightProducer;
import org.softwareheritage.provenance.server.grpc.ProvenanceGrpcService;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;

/**
 * The listening server: one Netty gRPC server on one port carrying Arrow Flight,
 * {@code swh.provenance.ProvenanceService}, the standard health service and server reflection,
 * all answering from the same loaded tables and indices. Calls run on a bounded worker pool.
 */
public final class ProvenanceServer implements AutoCloseable {
  /** Largest request accepted: room for a WhereAreOne of about a million SWHIDs. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  private static final String FLIGHT_SERVICE = "arrow.flight.protocol.FlightService";

  private final FlightServer server;
  private final HealthStatusManager health;
  private final ExecutorService workers;
  private final BufferAllocator flightMemory;

  private ProvenanceServer(FlightServer server, HealthStatusManager health, ExecutorService workers,
      BufferAllocator flightMemory) {
    this.server = server;
    this.health = health;
    this.workers = workers;
    this.flightMemory = flightMemory;
  }

  /** Starts serving {@code data} on {@code address} (port 0: an ephemeral port). */
  public static ProvenanceServer start(InetSocketAddress address, IndexedDatabase data, BufferAllocator allocator)
      throws IOException {
    return start(address, data, allocator, FlightOptions.DEFAULT, builder -> { });
  }

  /**
   * Starts serving {@code data} on {@code address}; Flight streams are allocated from a child of
   * {@code allocator} and cut as {@code flight} says; {@code transport} adds interceptors and transport settings (limits, TLS,
   * keepalive) to the Netty server before it is built.
   */
  public static ProvenanceServer start(InetSocketAddress address, IndexedDatabase data, BufferAllocator allocator,
      FlightOptions flight, Consumer<NettyServerBuilder> transport) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    ExecutorService workers = Executors.newFixedThreadPool(
        Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), namedThreads("grpc-worker-"));
    BufferAllocator flightMemory = allocator.newChildAllocator("flight", 0, Long.MAX_VALUE);
    ProvenanceQueries queries = new ProvenanceQueries(data.index());
    Consumer<NettyServerBuilder> services = builder -> {
      builder.addService(new ProvenanceGrpcService(queries))
          .addService(health.getHealthService())
          .addService(ProtoReflectionServiceV1.newInstance());
      transport.accept(builder);
    };
    FlightServer server = FlightServer.builder(flightMemory,
            Location.forGrpcInsecure(address.getHostString(), address.getPort()),
            new ProvenanceFlightProducer(data, flightMemory, flight))
        .executor(workers)
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .transportHint("grpc.builderConsumer", services)
        .build();
    try {
      server.start();
    } catch (IOException e) {
      workers.shutdownNow();
      flightMemory.close();
      throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    for (String service : new String[] {
        HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ProvenanceServiceGrpc.SERVICE_NAME, FLIGHT_SERVICE}) {
      health.setStatus(service, ServingStatus.SERVING);
    }
    return new ProvenanceServer(server, health, workers, flightMemory);
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
      server.close();
    }
    workers.shutdown();
    workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    flightMemory.close();
  }

  @Override
  public void close() throws InterruptedException {
    shutdown(Duration.ofSeconds(5));
  }
}
