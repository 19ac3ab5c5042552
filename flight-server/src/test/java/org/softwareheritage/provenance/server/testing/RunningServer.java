package org.softwareheritage.provenance.server.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.server.ProvenanceServer;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.ops.OperationsSettings;
import org.softwareheritage.provenance.server.storage.ArrowMemory;

/**
 * A real server on an ephemeral loopback port over a database directory, held in memory or mapped
 * from an index built for it, with a channel to it. Closing it shuts everything down, deletes the
 * index, and fails if any Arrow memory leaked.
 */
public final class RunningServer implements AutoCloseable {
  private final BufferAllocator allocator;
  private final IndexedDatabase data;
  private final Path indexDirectory;
  private final ProvenanceServer server;
  private final ManagedChannel channel;

  private RunningServer(
      BufferAllocator allocator,
      IndexedDatabase data,
      Path indexDirectory,
      ProvenanceServer server,
      ManagedChannel channel) {
    this.allocator = allocator;
    this.data = data;
    this.indexDirectory = indexDirectory;
    this.server = server;
    this.channel = channel;
  }

  public static RunningServer start(Path database) throws Exception {
    return start(database, StorageMode.MEMORY);
  }

  public static RunningServer start(Path database, StorageMode mode) throws Exception {
    return start(database, mode, 0, FlightOptions.DEFAULT, builder -> {});
  }

  /**
   * A server whose Flight streams are cut as {@code flight} says, with extra transport settings.
   */
  public static RunningServer start(
      Path database, FlightOptions flight, Consumer<NettyServerBuilder> transport)
      throws Exception {
    return start(database, StorageMode.MEMORY, 0, flight, transport);
  }

  /**
   * A server on loopback port {@code port} (0: an ephemeral one), e.g. to restart one on the port
   * it had.
   */
  public static RunningServer start(
      Path database, int port, FlightOptions flight, Consumer<NettyServerBuilder> transport)
      throws Exception {
    return start(database, StorageMode.MEMORY, port, flight, transport);
  }

  /** A server holding {@code database} as {@code mode} says, on loopback port {@code port}. */
  public static RunningServer start(
      Path database,
      StorageMode mode,
      int port,
      FlightOptions flight,
      Consumer<NettyServerBuilder> transport)
      throws Exception {
    BufferAllocator allocator = ArrowMemory.newRootAllocator();
    Path indexDirectory = Files.createTempDirectory("provenance-index-");
    IndexedDatabase data = null;
    try {
      data = mode.open(database, indexDirectory, allocator);
      ProvenanceServer server =
          ProvenanceServer.start(
              new InetSocketAddress("127.0.0.1", port), data, allocator, flight, transport);
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port())
              .usePlaintext()
              .maxInboundMessageSize(OperationsSettings.DEFAULT_MAX_MESSAGE_SIZE)
              .build();
      return new RunningServer(allocator, data, indexDirectory, server, channel);
    } catch (Exception e) {
      if (data != null) {
        data.close();
      }
      StorageMode.delete(indexDirectory);
      allocator.close();
      throw e;
    }
  }

  public int port() {
    return server.port();
  }

  public ManagedChannel channel() {
    return channel;
  }

  public IndexedDatabase data() {
    return data;
  }

  /** A Flight client to the server, allocating from {@code allocator}. */
  public FlightClient flightClient(BufferAllocator allocator) {
    return FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", port())).build();
  }

  public ProvenanceServiceGrpc.ProvenanceServiceBlockingStub blockingStub() {
    return ProvenanceServiceGrpc.newBlockingStub(channel);
  }

  public ProvenanceServiceGrpc.ProvenanceServiceStub asyncStub() {
    return ProvenanceServiceGrpc.newStub(channel);
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    data.close();
    StorageMode.delete(indexDirectory);
    allocator.close();
  }
}
