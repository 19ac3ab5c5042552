package org.softwareheritage.provenance.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * This machine's loopback TCP limit: one connection, 1 MiB writes from one thread to a reader
 * thread that discards them, for a fixed time. The ceiling any single stream over loopback can
 * reach.
 */
final class LoopbackTcp {
  private static final int BUFFER_BYTES = 1 << 20;

  private LoopbackTcp() {}

  /** Bytes per second over one loopback connection during {@code seconds}. */
  static double bytesPerSecond(double seconds) throws Exception {
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      Future<Long> received = reader.submit(() -> drain(server));
      long sent = 0;
      long start = System.nanoTime();
      long deadline = start + (long) (seconds * 1e9);
      try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
        while (System.nanoTime() < deadline) {
          buffer.clear();
          while (buffer.hasRemaining()) {
            sent += client.write(buffer);
          }
        }
      }
      long total = received.get();
      double elapsed = (System.nanoTime() - start) / 1e9;
      if (total != sent) {
        throw new IOException("sent " + sent + " bytes but received " + total);
      }
      return total / elapsed;
    } finally {
      reader.shutdownNow();
    }
  }

  private static long drain(ServerSocketChannel server) throws IOException {
    long total = 0;
    try (SocketChannel connection = server.accept()) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
      int n;
      while ((n = connection.read(buffer)) >= 0) {
        total += n;
        buffer.clear();
      }
    }
    return total;
  }
}
