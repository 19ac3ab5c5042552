package org.softwareheritage.provenance.client;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * A client of {@code swh.provenance.ProvenanceService}: asks where source files and directories
 * come from. Thread-safe; one HTTP/2 channel is shared by all calls, so build one client and reuse
 * it, and close it when done. The channel is gRPC's OkHttp transport, unless the caller passes one
 * of its own ({@link Builder#channel(Channel)}).
 *
 * <pre>{@code
 * try (ProvenanceClient client = ProvenanceClient.builder().target("localhost:50141").build()) {
 *   Optional<QualifiedSwhid> answer = client.whereIs(Swhid.parse("swh:1:cnt:…")).qualified();
 * }
 * }</pre>
 *
 * <p>Every call has the builder's deadline ({@code whereAre}: every batch); a call that fails with
 * {@code UNAVAILABLE} before any answer is retried with exponential backoff (gRPC service config
 * retry policy). Failures are {@link ProvenanceException}s carrying the gRPC status. {@link
 * #whereIsAsync} and {@link #whereAre(Collection, StreamObserver)} do not block: their results
 * arrive on the channel's executor.
 */
public final class ProvenanceClient implements AutoCloseable {
  private final ManagedChannel ownedChannel;
  private final ProvenanceServiceGrpc.ProvenanceServiceBlockingStub stub;
  private final ProvenanceServiceGrpc.ProvenanceServiceStub asyncStub;
  private final Duration deadline;
  private final int batchSize;

  /**
   * A client calling over {@code channel}; {@code ownedChannel} is the channel the client made and
   * shuts down on close, or null when the caller owns it.
   */
  private ProvenanceClient(
      Channel channel, ManagedChannel ownedChannel, Duration deadline, int batchSize) {
    this.ownedChannel = ownedChannel;
    this.stub = ProvenanceServiceGrpc.newBlockingStub(channel);
    this.asyncStub = ProvenanceServiceGrpc.newStub(channel);
    this.deadline = deadline;
    this.batchSize = batchSize;
  }

  /** A builder for a plaintext client of {@value ClientBuilder#DEFAULT_TARGET}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The provenance of one object.
   *
   * @return the answer; {@link ProvenanceResult#isEmpty() empty} when the object has no provenance
   * @throws SwhidNotFoundException if the server does not know {@code swhid}
   * @throws ProvenanceException for any other failure (status kept)
   */
  public ProvenanceResult whereIs(Swhid swhid) {
    Objects.requireNonNull(swhid, "swhid");
    try {
      return toResult(
          swhid,
          stub().whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid.toString()).build()));
    } catch (StatusRuntimeException e) {
      throw ProvenanceException.of(e);
    }
  }

  /**
   * {@link #whereIs(Swhid)} without blocking: the future completes with the answer, or
   * exceptionally with the same {@link ProvenanceException}s. Cancelling the future cancels the
   * call.
   */
  public CompletableFuture<ProvenanceResult> whereIsAsync(Swhid swhid) {
    Objects.requireNonNull(swhid, "swhid");
    CompletableFuture<ProvenanceResult> answer = new CompletableFuture<>();
    asyncStub()
        .whereIsOne(
            WhereIsOneRequest.newBuilder().setSwhid(swhid.toString()).build(),
            new ClientResponseObserver<WhereIsOneRequest, WhereIsOneResult>() {
              private WhereIsOneResult result;

              @Override
              public void beforeStart(ClientCallStreamObserver<WhereIsOneRequest> call) {
                answer.whenComplete(
                    (value, failure) -> {
                      if (answer.isCancelled()) {
                        call.cancel("cancelled by the caller", null);
                      }
                    });
              }

              @Override
              public void onNext(WhereIsOneResult value) {
                result = value;
              }

              @Override
              public void onError(Throwable failure) {
                answer.completeExceptionally(ProvenanceException.of(failure));
              }

              @Override
              public void onCompleted() {
                try {
                  answer.complete(toResult(swhid, result));
                } catch (ProvenanceException e) {
                  answer.completeExceptionally(e);
                }
              }
            });
    return answer;
  }

  /**
   * The provenance of many objects, one result per SWHID in the order given (unknown SWHIDs and
   * objects without provenance give empty results). Sent in batches of the builder's batch size;
   * for inputs that do not fit in memory use {@link #streamWhereAre(Iterator)}.
   */
  public List<ProvenanceResult> whereAre(Collection<Swhid> swhids) {
    List<ProvenanceResult> results = new ArrayList<>(swhids.size());
    try (Stream<ProvenanceResult> stream = streamWhereAre(swhids.iterator())) {
      stream.forEachOrdered(results::add);
    }
    return results;
  }

  /**
   * {@link #whereAre(Collection)} without blocking: {@code results} receives one result per SWHID
   * in the order given, as they arrive, then {@code onCompleted()}; or {@code onError()} with a
   * {@link ProvenanceException} when a batch fails. The batches are sent one after the other, each
   * once the previous one is answered. The calls run in the caller's {@link Context}: cancelling it
   * (a {@link Context.CancellableContext}) cancels them.
   */
  public void whereAre(Collection<Swhid> swhids, StreamObserver<ProvenanceResult> results) {
    new ObservedWhereAre(
            this,
            List.copyOf(swhids),
            batchSize,
            Objects.requireNonNull(results, "results"),
            Context.current())
        .start();
  }

  /**
   * The provenance of every SWHID {@code swhids} yields, in the same order, computed a batch at a
   * time as the stream is consumed: memory stays bounded by the batch size whatever the input
   * length. Close the stream (try-with-resources) to cancel a call left unfinished.
   *
   * @throws ProvenanceException from the stream's operations when a batch fails
   */
  public Stream<ProvenanceResult> streamWhereAre(Iterator<Swhid> swhids) {
    BatchedWhereAre results =
        new BatchedWhereAre(this, Objects.requireNonNull(swhids, "swhids"), batchSize);
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(results, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(results::close);
  }

  /** A stub with a fresh deadline, for one call. */
  ProvenanceServiceGrpc.ProvenanceServiceBlockingStub stub() {
    return stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** A non-blocking stub with a fresh deadline, for one call. */
  ProvenanceServiceGrpc.ProvenanceServiceStub asyncStub() {
    return asyncStub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The answer for {@code swhid} from a result message whose {@code swhid} field must name it. */
  static ProvenanceResult toResult(Swhid swhid, WhereIsOneResult result) {
    if (result == null) {
      throw ProvenanceException.protocol("the server sent no result for " + swhid);
    }
    if (!result.getSwhid().equals(swhid.toString())) {
      throw ProvenanceException.protocol(
          "asked for " + swhid + ", the server answered for '" + result.getSwhid() + "'");
    }
    try {
      return new ProvenanceResult(
          swhid,
          result.hasAnchor() ? Swhid.parse(result.getAnchor()) : null,
          result.hasOrigin() ? result.getOrigin() : null);
    } catch (IllegalArgumentException e) {
      throw ProvenanceException.protocol(
          "the server answered an invalid anchor for " + swhid + ": " + e.getMessage());
    }
  }

  /**
   * Closes the channel the client made, cancelling calls still running after a few seconds; a
   * channel passed to {@link Builder#channel(Channel)} is left open for its owner.
   */
  @Override
  public void close() {
    if (ownedChannel == null) {
      return;
    }
    ownedChannel.shutdown();
    try {
      if (!ownedChannel.awaitTermination(5, TimeUnit.SECONDS)) {
        ownedChannel.shutdownNow();
      }
    } catch (InterruptedException e) {
      ownedChannel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Settings of a {@link ProvenanceClient}; see {@link ClientBuilder} for the connection ones. */
  public static final class Builder extends ClientBuilder<Builder> {
    /** Default deadline of each call. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);

    /** Default number of SWHIDs per {@code WhereAreOne} call. */
    public static final int DEFAULT_BATCH_SIZE = 10_000;

    /** Largest batch: about 5 MB of request. */
    public static final int MAX_BATCH_SIZE = 100_000;

    private static final int RETRY_BUFFER_BYTES = 64 * 1024 * 1024;
    private static final int PER_CALL_RETRY_BUFFER_BYTES = 16 * 1024 * 1024;

    private Duration deadline = DEFAULT_DEADLINE;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int maxAttempts = 5;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private boolean retrySet;
    private Channel channel;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /** Deadline of each call (each batch of {@code whereAre}); default 60 s. */
    public Builder deadline(Duration deadline) {
      if (deadline == null || deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("the deadline must be positive, got " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    /**
     * SWHIDs per {@code WhereAreOne} call, 1 to {@value #MAX_BATCH_SIZE}; default {@value
     * #DEFAULT_BATCH_SIZE}.
     */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
        throw new IllegalArgumentException(
            "the batch size must be from 1 to " + MAX_BATCH_SIZE + ", got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Retries calls that fail with {@code UNAVAILABLE} before any answer: up to {@code maxAttempts}
     * attempts in all, waiting a random time up to {@code initialBackoff}, doubled at each retry up
     * to {@code maxBackoff}. Default: 5 attempts, 0.5 s, 5 s.
     */
    public Builder retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
      if (maxAttempts < 2
          || initialBackoff.isNegative()
          || initialBackoff.isZero()
          || maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException(
            "retry needs at least 2 attempts and 0 < initialBackoff <= maxBackoff");
      }
      this.maxAttempts = maxAttempts;
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      retrySet = true;
      return this;
    }

    /** Never retries: every failure is reported at once. */
    public Builder noRetry() {
      this.maxAttempts = 1;
      retrySet = true;
      return this;
    }

    /**
     * Calls over {@code channel}, which the caller owns (an in-process channel, one shared with
     * other clients): closing the client leaves it open. The client adds its deadline, batch size
     * and bearer token; target, TLS, message size and retries are the channel's own settings, so
     * setting them here too is an error.
     */
    public Builder channel(Channel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /** A client with these settings; its channel connects lazily, on the first call. */
    public ProvenanceClient build() {
      if (channel != null) {
        if (connectionSet() || retrySet) {
          throw new IllegalStateException(
              "target, TLS, maxMessageBytes and retry are settings of the channel given to"
                  + " channel()");
        }
        return new ProvenanceClient(
            token() == null ? channel : ClientInterceptors.intercept(channel, token()),
            null,
            deadline,
            batchSize);
      }
      OkHttpChannelBuilder builder = channelBuilder(OkHttpChannelBuilder::forTarget);
      if (maxAttempts > 1) {
        builder
            .defaultServiceConfig(serviceConfig())
            .enableRetry()
            .maxRetryAttempts(maxAttempts)
            .retryBufferSize(RETRY_BUFFER_BYTES)
            .perRpcBufferLimit(PER_CALL_RETRY_BUFFER_BYTES);
      } else {
        builder.disableRetry();
      }
      ManagedChannel owned = builder.build();
      return new ProvenanceClient(owned, owned, deadline, batchSize);
    }

    private Map<String, ?> serviceConfig() {
      Map<String, Object> retryPolicy =
          Map.of(
              "maxAttempts", (double) maxAttempts,
              "initialBackoff", seconds(initialBackoff),
              "maxBackoff", seconds(maxBackoff),
              "backoffMultiplier", 2.0,
              "retryableStatusCodes", List.of("UNAVAILABLE"));
      return Map.of(
          "methodConfig",
          List.of(
              Map.of(
                  "name",
                  List.of(Map.of("service", ProvenanceServiceGrpc.SERVICE_NAME)),
                  "retryPolicy",
                  retryPolicy)));
    }

    private static String seconds(Duration duration) {
      return BigDecimal.valueOf(duration.toNanos(), 9).toPlainString() + "s";
    }
  }
}
