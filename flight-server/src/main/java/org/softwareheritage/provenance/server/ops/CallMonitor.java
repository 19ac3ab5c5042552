package org.softwareheritage.provenance.server.ops;

import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.sentry.Sentry;
import io.sentry.SentryLevel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;

/**
 * Observes how every call (gRPC and Flight alike, unary and streaming) ends: the four meters
 * upstream's server sends for each call, {@code requests_total} and {@code frames_total}
 * (counters), {@code response_wall_time_ms} and {@code streaming_wall_time_ms} (timers), tagged as
 * upstream tags them by {@code path} (the method's HTTP/2 path) and {@code status} (the HTTP
 * status, a number), plus {@code grpc_status} (the gRPC status name); one access-log line; and a
 * Sentry event with the method and a request summary for every server fault (INTERNAL, UNKNOWN),
 * the only place those are reported. Installed outermost so that rejections by other interceptors
 * count too.
 */
public final class CallMonitor implements ServerInterceptor {
  /**
   * The logger of access-log lines; its lines are not sent to Sentry as log events (see
   * SentryReporting).
   */
  static final String ACCESS_LOGGER = "access";

  private static final Logger ACCESS = LoggerFactory.getLogger(ACCESS_LOGGER);
  private static final int SUMMARY_CHARS = 300;

  /**
   * The HTTP status of every call that reaches the server's services: grpc-java answers them all
   * with 200 and puts the outcome in the grpc-status trailer, as tonic does for upstream.
   */
  private static final String HTTP_STATUS = "200";

  private final MeterRegistry registry;

  public CallMonitor(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    MonitoredCall<ReqT, RespT> monitored = new MonitoredCall<>(call);
    Context context =
        Context.current()
            .withValue(ClientIdentity.KEY, monitored.identity)
            .withValue(RequestedSwhids.KEY, monitored.swhids);
    ServerCall.Listener<ReqT> listener = Contexts.interceptCall(context, monitored, headers, next);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(ReqT message) {
        monitored.request(message);
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        monitored.finish(
            Status.CANCELLED.withDescription("cancelled by the client or deadline exceeded"),
            System.nanoTime());
        super.onCancel();
      }
    };
  }

  /** A call with its start time, time the response began, counts and identity. */
  private final class MonitoredCall<ReqT, RespT> extends SimpleForwardingServerCall<ReqT, RespT> {
    private final long start = System.nanoTime();
    private final AtomicLong responseStart = new AtomicLong();
    private final AtomicLong responses = new AtomicLong();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicReference<String> identity = new AtomicReference<>();
    private final AtomicLong swhids = new AtomicLong();
    private volatile Object firstRequest;

    MonitoredCall(ServerCall<ReqT, RespT> call) {
      super(call);
    }

    void request(Object message) {
      if (firstRequest == null) {
        firstRequest = message;
      }
      if (message instanceof SwhidRequest request) {
        swhids.addAndGet(request.swhidCount());
      } else if (message instanceof WhereAreOneRequest request) {
        swhids.addAndGet(request.getSwhidCount());
      } else if (message instanceof WhereIsOneRequest) {
        swhids.incrementAndGet();
      }
    }

    @Override
    public void sendHeaders(Metadata headers) {
      responseStart.compareAndSet(0, System.nanoTime());
      super.sendHeaders(headers);
    }

    @Override
    public void sendMessage(RespT message) {
      responseStart.compareAndSet(0, System.nanoTime());
      responses.incrementAndGet();
      super.sendMessage(message);
    }

    /**
     * Closes the call, then records it: metrics and the access log are not on the response's path.
     */
    @Override
    public void close(Status status, Metadata trailers) {
      long end = System.nanoTime();
      super.close(status, trailers);
      finish(status, end);
    }

    void finish(Status status, long end) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      String method = getMethodDescriptor().getFullMethodName();
      String code = status.getCode().name();
      record(method, code, end);
      boolean internal =
          status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN;
      if (internal) {
        report(method, status);
      }
      String caller = identity.get() == null ? "-" : identity.get();
      ACCESS
          .atLevel(internal ? Level.ERROR : Level.INFO)
          .addKeyValue("method", method)
          .addKeyValue("status", code)
          .addKeyValue("duration_ms", (end - start) / 1_000_000)
          .addKeyValue("swhids", swhids.get())
          .addKeyValue("responses", responses.get())
          .addKeyValue("peer", Calls.peerAddress(this))
          .addKeyValue("identity", caller)
          .setCause(internal ? status.getCause() : null)
          .log(
              "{} {} {} ms swhids={} responses={} peer={} identity={}{}",
              method,
              code,
              (end - start) / 1_000_000,
              swhids.get(),
              responses.get(),
              Calls.peerAddress(this),
              caller,
              status.getDescription() == null ? "" : " - " + shortened(status.getDescription()));
    }

    /**
     * The upstream meters: the response time runs from the call's start to its response headers (or
     * to its end, for an error without a response), the streaming time from there to the end;
     * frames are the response messages plus the trailers.
     */
    private void record(String method, String grpcStatus, long end) {
      Tags tags = Tags.of("path", "/" + method, "status", HTTP_STATUS, "grpc_status", grpcStatus);
      long responded = responseStart.get() == 0 ? end : responseStart.get();
      Counter.builder(Metrics.name("requests_total")).tags(tags).register(registry).increment();
      Counter.builder(Metrics.name("frames_total"))
          .tags(tags)
          .register(registry)
          .increment(responses.get() + 1);
      Timer.builder(Metrics.name("response_wall_time_ms"))
          .tags(tags)
          .register(registry)
          .record(responded - start, TimeUnit.NANOSECONDS);
      Timer.builder(Metrics.name("streaming_wall_time_ms"))
          .tags(tags)
          .register(registry)
          .record(end - responded, TimeUnit.NANOSECONDS);
    }

    private void report(String method, Status status) {
      String summary = summary(firstRequest);
      Sentry.withScope(
          scope -> {
            scope.setTag("method", method);
            scope.setExtra("request", summary);
            scope.setExtra("peer", Calls.peerAddress(this));
            if (status.getCause() != null) {
              Sentry.captureException(status.getCause());
            } else {
              Sentry.captureMessage(
                  method + " failed: " + status.getDescription(), SentryLevel.ERROR);
            }
          });
    }
  }

  /**
   * A status description as the access log shows it: at most {@value #SUMMARY_CHARS} characters.
   */
  private static String shortened(String text) {
    return text.length() > SUMMARY_CHARS ? text.substring(0, SUMMARY_CHARS) + "…" : text;
  }

  private static String summary(Object request) {
    if (request == null) {
      return "(no request message)";
    }
    String text =
        request instanceof MessageOrBuilder message
            ? (message instanceof WhereAreOneRequest bulk && bulk.getSwhidCount() > 3
                ? bulk.getSwhidCount()
                    + " swhids, first "
                    + bulk.getSwhid(0)
                    + (bulk.hasMask() ? ", mask " + bulk.getMask().getPathsList() : "")
                : TextFormat.printer().emittingSingleLine(true).printToString(message))
            : request instanceof SwhidRequest
                ? request.toString()
                : request.getClass().getSimpleName();
    return shortened(text);
  }
}
