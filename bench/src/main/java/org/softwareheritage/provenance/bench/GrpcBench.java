package org.softwareheritage.provenance.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc.ProvenanceServiceBlockingStub;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;

/**
 * gRPC figures with the generated Java stubs over loopback: WhereIsOne latency of one client, calls
 * per second of several concurrent clients (one channel each, like separate web workers), and
 * WhereAreOne SWHIDs per second.
 */
final class GrpcBench implements AutoCloseable {
  private final String host;
  private final int port;
  private final List<ManagedChannel> channels = new ArrayList<>();

  GrpcBench(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /**
   * A channel of its own, whose callbacks run on the transport thread (directExecutor): the driver
   * never blocks in them, and the default executor would add a thread hop per message.
   */
  private ManagedChannel newChannel() {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .directExecutor()
            .maxInboundMessageSize(64 << 20)
            .build();
    channels.add(channel);
    return channel;
  }

  /** A WhereIsOne client with a channel of its own. */
  ProvenanceServiceBlockingStub newClient() {
    return ProvenanceServiceGrpc.newBlockingStub(newChannel());
  }

  /**
   * Latency of {@code calls} sequential WhereIsOne calls cycling through {@code swhids}, after a
   * warm-up.
   */
  Latency whereIsOneLatency(List<String> swhids, int warmupCalls, int calls) {
    ProvenanceServiceBlockingStub client = newClient();
    timeCalls(client, swhids, 0, warmupCalls, new long[warmupCalls], 0);
    long[] nanos = new long[calls];
    timeCalls(client, swhids, 0, calls, nanos, 0);
    return Latency.of(nanos);
  }

  /**
   * Calls WhereIsOne {@code calls} times one after the other, on the SWHIDs of {@code swhids} from
   * index {@code first} on (cycling), and writes the duration of each call into {@code nanos} from
   * index {@code at} on.
   */
  static void timeCalls(
      ProvenanceServiceBlockingStub client,
      List<String> swhids,
      int first,
      int calls,
      long[] nanos,
      int at) {
    for (int i = 0; i < calls; i++) {
      String swhid = swhids.get((first + i) % swhids.size());
      long start = System.nanoTime();
      call(client, swhid);
      nanos[at + i] = System.nanoTime() - start;
    }
  }

  /** WhereIsOne calls per second of {@code clients} concurrent clients during {@code seconds}. */
  double whereIsOneCallsPerSecond(List<String> swhids, int clients, double seconds)
      throws Exception {
    List<ProvenanceServiceBlockingStub> stubs = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      stubs.add(newClient());
      call(stubs.get(c), swhids.get(c % swhids.size()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      long start = System.nanoTime();
      long deadline = start + (long) (seconds * 1e9);
      List<Future<Long>> counts = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        ProvenanceServiceBlockingStub stub = stubs.get(c);
        int offset = c * 7919;
        counts.add(
            pool.submit(
                () -> {
                  long n = 0;
                  while (System.nanoTime() < deadline) {
                    call(stub, swhids.get((int) ((offset + n) % swhids.size())));
                    n++;
                  }
                  return n;
                }));
      }
      long total = 0;
      for (Future<Long> count : counts) {
        total += count.get();
      }
      return total / ((System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * SWHIDs per second of one WhereAreOne call over {@code swhids}, checked for one result each. The
   * results are read with the async stub: the blocking iterator hands every message from the
   * transport thread to the caller's thread one at a time, which would measure that hand-off.
   */
  double whereAreOneSwhidsPerSecond(List<String> swhids) throws Exception {
    ProvenanceServiceGrpc.ProvenanceServiceStub client =
        ProvenanceServiceGrpc.newStub(newChannel());
    WhereAreOneRequest request = WhereAreOneRequest.newBuilder().addAllSwhid(swhids).build();
    CompletableFuture<Long> done = new CompletableFuture<>();
    long start = System.nanoTime();
    client.whereAreOne(
        request,
        new StreamObserver<>() {
          private long results;

          @Override
          public void onNext(WhereIsOneResult result) {
            results++;
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }

          @Override
          public void onCompleted() {
            done.complete(results);
          }
        });
    long n = done.get();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (n != swhids.size()) {
      throw new IllegalStateException(
          "WhereAreOne returned " + n + " results for " + swhids.size() + " SWHIDs");
    }
    return n / seconds;
  }

  /**
   * The answer to WhereIsOne for each of {@code swhids}, as one line each: the SWHID, its anchor
   * and origin ({@code -} when absent) separated by tabs, or the SWHID and {@code NOT_FOUND}.
   */
  List<String> answers(List<String> swhids) {
    ProvenanceServiceBlockingStub client = newClient();
    List<String> lines = new ArrayList<>(swhids.size());
    for (String swhid : swhids) {
      try {
        WhereIsOneResult result =
            client.whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid).build());
        lines.add(
            result.getSwhid()
                + "\t"
                + (result.hasAnchor() ? result.getAnchor() : "-")
                + "\t"
                + (result.hasOrigin() ? result.getOrigin() : "-"));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
        lines.add(swhid + "\tNOT_FOUND");
      }
    }
    return lines;
  }

  private static void call(ProvenanceServiceBlockingStub client, String swhid) {
    try {
      client.whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
