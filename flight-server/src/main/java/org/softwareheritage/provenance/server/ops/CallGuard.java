package org.softwareheritage.provenance.server.ops;

import io.grpc.Context;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;

/**
 * Makes the server, not the client, decide when a call ends. Each call (health checks aside) gets a
 * guard, installed both as a stream tracer (it sees the request bytes as they arrive, before they
 * are parsed, and the stream's end) and as an interceptor (it owns the call's outbound side).
 *
 * <p>{@link Guard#end} closes a call with a status, which a reading client receives; if the stream
 * is still open {@link #RESET_GRACE} later (the client does not read, so the status waits behind
 * unread responses), the stream is reset (RST_STREAM), which releases at once everything the call
 * holds: its concurrency permit, its threads and its queued responses. Request bytes are reserved
 * on the {@link CallMemory} budget as they arrive, weighed by the heap their parsed form takes; a
 * request that does not fit is refused with RESOURCE_EXHAUSTED before it is parsed.
 */
public final class CallGuard extends ServerStreamTracer.Factory implements ServerInterceptor {
  /** How long a call the server ended may take to deliver its status before its stream is reset. */
  public static final Duration RESET_GRACE = Duration.ofSeconds(3);

  static final Context.Key<Guard> KEY = Context.key("swh-provenance-call-guard");

  private static final String WHERE_ARE_ONE =
      ProvenanceServiceGrpc.getWhereAreOneMethod().getFullMethodName();

  /**
   * Methods whose requests are Arrow record batches, read into Arrow (direct) memory, not the heap.
   */
  private static final Set<String> ARROW_UPLOADS =
      Set.of(
          "arrow.flight.protocol.FlightService/DoExchange",
          "arrow.flight.protocol.FlightService/DoPut");

  private final CallMemory memory;
  private final ScheduledExecutorService timer;
  private final Set<Guard> running = ConcurrentHashMap.newKeySet();

  public CallGuard(CallMemory memory, ScheduledExecutorService timer) {
    this.memory = memory;
    this.timer = timer;
  }

  /** The guard of the current call, or {@code null} outside a guarded call. */
  static Guard current() {
    return KEY.get();
  }

  /** Ends every running call with {@code status} (the red button). */
  void endAll(Status status) {
    for (Guard guard : running) {
      guard.end(status);
    }
  }

  /** Calls running now (health checks aside). */
  public int running() {
    return running.size();
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    if (fullMethodName.startsWith(HealthGrpc.SERVICE_NAME + "/")) {
      return new ServerStreamTracer() {};
    }
    return new Guard(heapPerRequestByte(fullMethodName));
  }

  /**
   * Heap a method's parsed request takes per byte received: WhereAreOne parses SWHIDs into 21 bytes
   * each (52 on the wire), Arrow uploads take none, and other protobuf requests are copied about
   * twice (the message's bytes, then what the handler makes of them).
   */
  private static double heapPerRequestByte(String fullMethodName) {
    if (WHERE_ARE_ONE.equals(fullMethodName)) {
      return 0.5;
    }
    return ARROW_UPLOADS.contains(fullMethodName) ? 0 : 2;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Guard guard = KEY.get();
    if (guard == null) {
      return next.startCall(call, headers);
    }
    SerializedCall<ReqT, RespT> serialized = new SerializedCall<>(call);
    guard.attach(serialized);
    return next.startCall(serialized, headers);
  }

  /** One call's guard: its memory account, its outbound side once started, and how it ends. */
  final class Guard extends ServerStreamTracer {
    private final double heapPerByte;
    private final CallMemory.Account account = memory.open();
    private Context.CancellableContext context;
    private SerializedCall<?, ?> call;
    private Status ending;
    private Metadata endingTrailers;
    private ScheduledFuture<?> reset;
    private boolean closed;

    Guard(double heapPerByte) {
      this.heapPerByte = heapPerByte;
    }

    CallMemory.Account account() {
      return account;
    }

    @Override
    public Context filterContext(Context parent) {
      context = parent.withValue(KEY, this).withCancellation();
      running.add(this);
      return context;
    }

    @Override
    public void inboundWireSize(long bytes) {
      long heap = (long) Math.ceil(bytes * heapPerByte);
      if (!account.tryReserve(heap)) {
        // the status goes out at once (nothing else is queued yet), and once it is out the
        // transport drops the rest of the request unread
        end(account.refusal(heap), account.retryHint(heap));
      }
    }

    /**
     * Closes the call with {@code status} now (or as soon as it starts), and resets its stream if
     * it is still open {@link #RESET_GRACE} later.
     */
    void end(Status status) {
      end(status, new Metadata());
    }

    private synchronized void end(Status status, Metadata trailers) {
      if (closed || ending != null) {
        return;
      }
      ending = status;
      endingTrailers = trailers;
      if (call != null) {
        call.closeIfOpen(status, trailers);
      }
      reset = timer.schedule(this::reset, RESET_GRACE.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Cancels the stream (RST_STREAM): grpc-java resets a stream whose context times out. */
    private void reset() {
      context.cancel(new TimeoutException("the server ended the call: " + ending.getCode()));
    }

    private synchronized void attach(SerializedCall<?, ?> started) {
      call = started;
      if (ending != null) {
        started.closeIfOpen(ending, endingTrailers);
      }
    }

    @Override
    public void streamClosed(Status status) {
      synchronized (this) {
        closed = true;
        if (reset != null) {
          reset.cancel(false);
        }
      }
      running.remove(this);
      account.close();
    }
  }

  /**
   * A call whose outbound operations are serialized, so that a guard can close it from a timer or
   * transport thread while a worker streams; whatever is sent after the close is dropped.
   */
  private static final class SerializedCall<ReqT, RespT>
      extends SimpleForwardingServerCall<ReqT, RespT> {
    private boolean closed;

    SerializedCall(ServerCall<ReqT, RespT> call) {
      super(call);
    }

    synchronized void closeIfOpen(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      closeIfOpen(status, trailers);
    }

    @Override
    public synchronized boolean isReady() {
      return !closed && super.isReady();
    }
  }
}
