package org.softwareheritage.provenance.bench;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;

/**
 * grpc-java's own floor on this machine: a ProvenanceService on loopback that does no work at all
 * (every answer is one constant, prebuilt result of the size of a real one), measured with the same
 * clients as the real server. It runs in a JVM of its own, as the real server does (see {@link
 * #start}). What the real server costs beyond it is ours.
 */
final class GrpcFloor implements AutoCloseable {
  private static final WhereIsOneResult RESULT =
      WhereIsOneResult.newBuilder()
          .setSwhid("swh:1:cnt:9c65495969695b4ad1b1cf4cfa083abf131b4797")
          .setAnchor("swh:1:rev:7d6ab7df769f10e2e2b3ffe35b4fe91769941382")
          .setOrigin("https://example.com/user/project-12345")
          .build();

  private final Process process;
  private final int port;

  private GrpcFloor(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts the floor server in a new JVM with this one's class path; it prints its port, then
   * serves until its stdin closes.
   */
  static GrpcFloor start() throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), GrpcFloor.class.getName())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    String line = out.readLine();
    if (line == null || !line.startsWith("port ")) {
      process.destroyForcibly();
      throw new IOException("the grpc-java floor server did not start: " + line);
    }
    return new GrpcFloor(process, Integer.parseInt(line.substring("port ".length())));
  }

  /** The floor server's process: serves on an ephemeral loopback port until stdin closes. */
  public static void main(String[] args) throws IOException, InterruptedException {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .maxInboundMessageSize(64 << 20)
            .addService(new ConstantService())
            .build()
            .start();
    System.out.println("port " + server.getPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // serve until the driver closes our stdin (or exits)
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  int port() {
    return port;
  }

  /** Answers every call with {@link #RESULT}; streams with the real server's flow control. */
  private static final class ConstantService
      extends ProvenanceServiceGrpc.ProvenanceServiceImplBase {
    @Override
    public void whereIsOne(WhereIsOneRequest request, StreamObserver<WhereIsOneResult> responses) {
      responses.onNext(RESULT);
      responses.onCompleted();
    }

    @Override
    public void whereAreOne(
        WhereAreOneRequest request, StreamObserver<WhereIsOneResult> responses) {
      ServerCallStreamObserver<WhereIsOneResult> call =
          (ServerCallStreamObserver<WhereIsOneResult>) responses;
      int count = request.getSwhidCount();
      int[] sent = {0};
      Runnable send =
          () -> {
            while (sent[0] < count && call.isReady()) {
              call.onNext(RESULT);
              sent[0]++;
            }
            if (sent[0] == count) {
              sent[0]++;
              call.onCompleted();
            }
          };
      call.setOnReadyThreshold(1 << 20);
      call.setOnReadyHandler(send);
      send.run();
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.getOutputStream().close();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
