package org.softwareheritage.provenance.client;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * A client of {@code swh.provenance.ProvenanceService}: asks where source files and directories
 * come from. Thread-safe; one HTTP/2 channel is shared by all calls, so build one client and
 * reuse it, and close it when done.
 *
 * <pre>{@code
 * try (ProvenanceClient client = ProvenanceClient.builder().target("localhost:50141").build()) {
 *   Optional<QualifiedSwhid> answer = client.whereIs(Swhid.parse("swh:1:cnt:…")).qualified();
 * }
 * }</pre>
 *
 * <p>Every call has the builder's deadline ({@code whereAre}: every batch); a call that fails
 * with {@code UNAVAILABLE} before any answer is retried with exponential backoff (gRPC service
 * config retry policy). Failures are {@link ProvenanceException}s carrying the gRPC status.
 */
public final class ProvenanceClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final ProvenanceServiceGrpc.ProvenanceServiceBlockingStub stub;
  private final Duration deadline;
  private final int batchSize;

  private ProvenanceClient(ManagedChannel channel, Duration deadline, int batchSize) {
    this.channel = channel;
    this.stub = ProvenanceServiceGrpc.newBlockingStub(channel);
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
      return toResult(swhid, stub().whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid.toString()).build()));
    } catch (StatusRuntimeException e) {
      throw ProvenanceException.of(e);
    }
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
   * The provenance of every SWHID {@code swhids} yields, in the same order, computed a batch at a
   * time as the stream is consumed: memory stays bounded by the batch size whatever the input
   * length. Close the stream (try-with-resources) to cancel a call left unfinished.
   *
   * @throws ProvenanceException from the stream's operations when a batch fails
   */
  public Stream<ProvenanceResult> streamWhereAre(Iterator<Swhid> swhids) {
    BatchedWhereAre results = new BatchedWhereAre(this, Objects.requireNonNull(swhids, "swhids"), batchSize);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(results, Spliterator.ORDERED | Spliterator.NONNULL),
        false).onClose(results::close);
  }

  /** A stub with a fresh deadline, for one call. */
  ProvenanceServiceGrpc.ProvenanceServiceBlockingStub stub() {
    return stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The answer for {@code swhid} from a result message whose {@code swhid} field must name it. */
  static ProvenanceResult toResult(Swhid swhid, WhereIsOneResult result) {
    if (!result.getSwhid().equals(swhid.toString())) {
      throw ProvenanceException.protocol("asked for " + swhid + ", the server answered for '" + result.getSwhid() + "'");
    }
    try {
      return new ProvenanceResult(swhid, result.hasAnchor() ? Swhid.parse(result.getAnchor()) : null,
          result.hasOrigin() ? result.getOrigin() : null);
    } catch (IllegalArgumentException e) {
      throw ProvenanceException.protocol("the server answered an invalid anchor for " + swhid + ": " + e.getMessage());
    }
  }

  /** Closes the channel, cancelling calls still running after a few seconds. */
  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
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

    /** SWHIDs per {@code WhereAreOne} call, 1 to {@value #MAX_BATCH_SIZE}; default {@value #DEFAULT_BATCH_SIZE}. */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
        throw new IllegalArgumentException("the batch size must be from 1 to " + MAX_BATCH_SIZE + ", got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Retries calls that fail with {@code UNAVAILABLE} before any answer: up to
     * {@code maxAttempts} attempts in all, waiting a random time up to {@code initialBackoff},
     * doubled at each retry up to {@code maxBackoff}. Default: 5 attempts, 0.5 s, 5 s.
     */
    public Builder retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
      if (maxAttempts < 2 || initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("retry needs at least 2 attempts and 0 < initialBackoff <= maxBackoff");
      }
      this.maxAttempts = maxAttempts;
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** Never retries: every failure is reported at once. */
    public Builder noRetry() {
      this.maxAttempts = 1;
      return this;
    }

    /** A client with these settings; its channel connects lazily, on the first call. */
    public ProvenanceClient build() {
      var channel = channelBuilder();
      if (maxAttempts > 1) {
        channel.defaultServiceConfig(serviceConfig()).enableRetry().maxRetryAttempts(maxAttempts)
            .retryBufferSize(RETRY_BUFFER_BYTES).perRpcBufferLimit(PER_CALL_RETRY_BUFFER_BYTES);
      } else {
        channel.disableRetry();
      }
      return new ProvenanceClient(channel.build(), deadline, batchSize);
    }

    private Map<String, ?> serviceConfig() {
      Map<String, Object> retryPolicy = Map.of(
          "maxAttempts", (double) maxAttempts,
          "initialBackoff", seconds(initialBackoff),
          "maxBackoff", seconds(maxBackoff),
          "backoffMultiplier", 2.0,
          "retryableStatusCodes", List.of("UNAVAILABLE"));
      return Map.of("methodConfig", List.of(Map.of(
          "name", List.of(Map.of("service", ProvenanceServiceGrpc.SERVICE_NAME)),
          "retryPolicy", retryPolicy)));
    }

    private static String seconds(Duration duration) {
      return BigDecimal.valueOf(duration.toNanos(), 9).toPlainString() + "s";
    }
  }
}
