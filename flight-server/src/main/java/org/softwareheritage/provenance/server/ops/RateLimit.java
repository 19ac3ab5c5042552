package org.softwareheritage.provenance.server.ops;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-client token buckets (Bucket4j): {@code callsPerSecond} refilled continuously, up to
 * {@code burst} at once, keyed by the authenticated identity or else the peer's IP address. A
 * call over the limit is refused with RESOURCE_EXHAUSTED and a {@code grpc-retry-pushback-ms}
 * trailer saying when a token will be available.
 */
public final class RateLimit implements ServerInterceptor {
  private final long callsPerSecond;
  private final long burst;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimit(long callsPerSecond, long burst) {
    this.callsPerSecond = callsPerSecond;
    this.burst = burst;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    if (Calls.isHealthCheck(call)) {
      return next.startCall(call, headers);
    }
    String identity = ClientIdentity.current();
    String client = identity != null ? identity : Calls.peerAddress(call);
    Bucket bucket = buckets.computeIfAbsent(client, key -> Bucket.builder()
        .addLimit(limit -> limit.capacity(burst).refillGreedy(callsPerSecond, Duration.ofSeconds(1)))
        .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return next.startCall(call, headers);
    }
    long waitMillis = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999) / 1_000_000);
    Metadata trailers = new Metadata();
    trailers.put(Calls.RETRY_PUSHBACK_MS, Long.toString(waitMillis));
    return Calls.reject(call, Status.RESOURCE_EXHAUSTED.withDescription("rate limit of " + callsPerSecond
        + " calls/s (burst " + burst + ") exceeded for " + client + "; retry in " + waitMillis + " ms"), trailers);
  }
}
