package org.softwareheritage.provenance.server.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A local HTTP endpoint that answers 200 to everything and keeps the request bodies (a Sentry
 * ingest stand-in).
 */
public final class CapturingHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  public CapturingHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/",
        exchange -> {
          boolean gzip =
              "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
          try (InputStream body =
              gzip ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody()) {
            bodies.add(
                exchange.getRequestURI().getPath()
                    + "\n"
                    + new String(body.readAllBytes(), StandardCharsets.UTF_8));
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Each request as its path, a newline and its (decompressed) body. */
  public List<String> requests() {
    return List.copyOf(bodies);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
