package org.softwareheritage.provenance.server.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
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
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;

/**
 * A real server on an ephemeral loopback port over a database directory, with a channel to it.
 * Closing it shuts everything down and fails if any Arrow memory leaked.
 */
public final class RunningServer implements AutoCloseable {
  private final BufferAllocator allocator;
  private final IndexedDatabase data;
  private final ProvenanceServer server;
  private final ManagedChannel channel;

  private RunningServer(BufferAllocator allocator, IndexedDatabase data, ProvenanceServer server, ManagedChannel channel) {
    this.allocator = allocator;
    this.data = data;
    this.server = server;
    this.channel = channel;
  }

  public static RunningServer start(Path database) throws Exception {
    return start(database, FlightOptions.DEFAULT, builder -> { });
  }

  /** A server whose Flight streams are cut as {@code flight} says, with extra transport settings. */
  public static RunningServer start(Path database, FlightOptions flight, Consumer<NettyServerBuilder> transport)
      throws Exception {
    return start(database, 0, flight, transport);
  }

  /** A server on loopback port {@code port} (0: an ephemeral one), e.g. to restart one on the port it had. */
  public static RunningServer start(Path database, int port, FlightOptions flight, Consumer<NettyServerBuilder> transport)
      throws Exception {
    BufferAllocator allocator = ArrowMemory.newRootAllocator();
    IndexedDatabase data = null;
    try {
      data = IndexedDatabase.open(DatabaseLocation.of(database), allocator);
      ProvenanceServer server = ProvenanceServer.start(
          new InetSocketAddress("127.0.0.1", port), data, allocator, flight, transport);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext()
          .maxInboundMessageSize(ProvenanceServer.MAX_INBOUND_MESSAGE_BYTES)
          .build();
      return new RunningServer(allocator, data, server, channel);
    } catch (Exception e) {
      if (data != null) {
        data.close();
      }
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
    allocator.close();
  }
}
