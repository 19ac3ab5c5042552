package org.softwareheritage.provenance.client;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.grpc.ProvenanceGrpcService;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.MemoryStore;

/**
 * The server's own {@code ProvenanceService} implementation answering from a database directory,
 * served in-process (no socket) behind the given interceptors, as grpc-java's examples test their
 * clients. Closing it shuts the server down and frees the database.
 */
final class InProcessProvenanceServer implements AutoCloseable {
  private final BufferAllocator allocator;
  private final IndexedDatabase data;
  private final String name;
  private final Server server;

  private InProcessProvenanceServer(
      BufferAllocator allocator, IndexedDatabase data, String name, Server server) {
    this.allocator = allocator;
    this.data = data;
    this.name = name;
    this.server = server;
  }

  static InProcessProvenanceServer start(Path database, ServerInterceptor... interceptors)
      throws IOException {
    BufferAllocator allocator = ArrowMemory.newRootAllocator();
    IndexedDatabase data = null;
    try {
      data = IndexedDatabase.build(DatabaseLocation.of(database), allocator, new MemoryStore());
      ProvenanceQueries queries = new ProvenanceQueries(data.index());
      String name = InProcessServerBuilder.generateName();
      Server server =
          InProcessServerBuilder.forName(name)
              .addService(
                  ServerInterceptors.intercept(
                      new ProvenanceGrpcService(() -> queries), interceptors))
              .build()
              .start();
      return new InProcessProvenanceServer(allocator, data, name, server);
    } catch (IOException | RuntimeException e) {
      if (data != null) {
        data.close();
      }
      allocator.close();
      throw e;
    }
  }

  /** A new channel to the server, for its caller to shut down. */
  ManagedChannel newChannel() {
    return InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    data.close();
    allocator.close();
  }
}
