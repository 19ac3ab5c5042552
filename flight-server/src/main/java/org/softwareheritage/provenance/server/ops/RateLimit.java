package org.softwareheritage.provenance.server.ops;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;

/**
 * Per-client token buckets (Bucket4j): {@code callsPerSecond} refilled continuously, up to {@code
 * burst} at once, keyed as {@link ClientKeys} says (identity, else address). A call over the limit
 * is refused with RESOURCE_EXHAUSTED and a {@code grpc-retry-pushback-ms} trailer saying when a
 * token will be available. Calls whose token is refused count too (see {@link
 * BearerAuthentication}), so that tokens cannot be guessed faster than the limit.
 *
 * <p>The buckets live in a bounded cache: at most {@value #MAX_CLIENTS} clients, and a bucket
 * unused for as long as it takes to refill completely is dropped (a new one is the same: full).
 */
public final class RateLimit implements ServerInterceptor {
  static final int MAX_CLIENTS = 100_000;

  private final long callsPerSecond;
  private final long burst;
  private final ClientKeys clients;
  private final Cache<String, Bucket> buckets;

  RateLimit(long callsPerSecond, long burst, ClientKeys clients) {
    if (callsPerSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("--rate-limit and --rate-limit-burst must be at least 1");
    }
    this.callsPerSecond = callsPerSecond;
    this.burst = burst;
    this.clients = clients;
    Duration refill =
        Duration.ofMillis(Math.max(1, (burst * 1000 + callsPerSecond - 1) / callsPerSecond));
    this.buckets = Caffeine.newBuilder().maximumSize(MAX_CLIENTS).expireAfterAccess(refill).build();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (Calls.isHealthCheck(call)) {
      return next.startCall(call, headers);
    }
    ServerCall.Listener<ReqT> refused = refuseOverLimit(call, clients.of(call, headers));
    return refused != null ? refused : next.startCall(call, headers);
  }

  /**
   * Takes a token from {@code client}'s bucket: {@code null} if there was one, else the listener of
   * {@code call}, closed with RESOURCE_EXHAUSTED.
   */
  <ReqT, RespT> ServerCall.Listener<ReqT> refuseOverLimit(
      ServerCall<ReqT, RespT> call, String client) {
    Bucket bucket =
        buckets.get(
            client,
            key ->
                Bucket.builder()
                    .addLimit(
                        limit ->
                            limit
                                .capacity(burst)
                                .refillGreedy(callsPerSecond, Duration.ofSeconds(1)))
                    .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return null;
    }
    long waitMillis = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999) / 1_000_000);
    Metadata trailers = new Metadata();
    trailers.put(Calls.RETRY_PUSHBACK_MS, Long.toString(waitMillis));
    return Calls.reject(
        call,
        Status.RESOURCE_EXHAUSTED.withDescription(
            "rate limit of "
                + callsPerSecond
                + " calls/s (burst "
                + burst
                + ") exceeded for "
                + client
                + "; retry in "
                + waitMillis
                + " ms"),
        trailers);
  }
}
