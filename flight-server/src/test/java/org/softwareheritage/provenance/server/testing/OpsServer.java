package org.softwareheritage.provenance.server.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.ProvenanceServer;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.ops.Operations;
import org.softwareheritage.provenance.server.ops.OperationsSettings;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.MemoryStore;

/**
 * A real server on an ephemeral loopback port wired as {@code serve} wires it (operations first,
 * listening before the database is loaded), with a plaintext channel to it.
 */
public final class OpsServer implements AutoCloseable {
  private final BufferAllocator allocator = ArrowMemory.newRootAllocator();
  private final Operations ops;
  private final ProvenanceServer server;
  private final ManagedChannel channel;
  private IndexedDatabase data;

  private OpsServer(
      OperationsSettings settings,
      Map<String, String> env,
      FlightOptions flight,
      Consumer<NettyServerBuilder> extra)
      throws Exception {
    ops = Operations.start(settings, env);
    server =
        ProvenanceServer.listen(
            new InetSocketAddress("127.0.0.1", 0),
            allocator,
            flight,
            !ops.mayBlockCalls(),
            builder -> {
              ops.configure(builder);
              extra.accept(builder);
            });
    ops.attach(server, allocator);
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .usePlaintext()
            .maxInboundMessageSize(OperationsSettings.DEFAULT_MAX_MESSAGE_SIZE)
            .build();
  }

  /** Listening, nothing loaded yet. */
  public static OpsServer listen(
      OperationsSettings settings, Map<String, String> env, Consumer<NettyServerBuilder> extra)
      throws Exception {
    return new OpsServer(
        settings, env, flightOptions(settings, FlightOptions.DEFAULT.batchRows()), extra);
  }

  /** Listening and serving {@code database}. */
  public static OpsServer start(Path database, OperationsSettings settings, Map<String, String> env)
      throws Exception {
    return start(database, settings, env, FlightOptions.DEFAULT.batchRows());
  }

  /** Listening and serving {@code database}, Flight batches of {@code batchRows} rows. */
  public static OpsServer start(
      Path database, OperationsSettings settings, Map<String, String> env, int batchRows)
      throws Exception {
    OpsServer server =
        new OpsServer(settings, env, flightOptions(settings, batchRows), builder -> {});
    server.load(database);
    return server;
  }

  private static FlightOptions flightOptions(OperationsSettings settings, int batchRows) {
    return new FlightOptions(
        FlightOptions.DEFAULT.endpointRows(), batchRows, settings.maxSwhidsPerRequest());
  }

  /** Loads {@code database} and starts serving it. */
  public void load(Path database) throws Exception {
    data =
        ops.load(
            () ->
                IndexedDatabase.build(DatabaseLocation.of(database), allocator, new MemoryStore()));
    server.serve(data);
  }

  /** The root allocator the database and Flight streams allocate from. */
  public BufferAllocator allocator() {
    return allocator;
  }

  public Operations ops() {
    return ops;
  }

  public ProvenanceServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    ops.close();
    if (data != null) {
      data.close();
    }
    allocator.close();
  }
}
