package org.softwareheritage.provenance.server.ops;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap that running calls may hold for their requests, shared by all calls: a call reserves
 * what it is about to take (its request bytes as they arrive, see {@link CallGuard}, and what a
 * handler parses them into, see {@link #reserve}) and gets it back when it ends. A call that does
 * not fit is refused with RESOURCE_EXHAUSTED, so that overload costs callers a retry instead of
 * costing the process an OutOfMemoryError.
 */
public final class CallMemory {
  private static final long MIB = 1024 * 1024;

  private final long capacity;
  private final AtomicLong reserved = new AtomicLong();

  /**
   * @param capacity bytes all running calls may reserve together
   */
  public CallMemory(long capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("--call-memory-budget must be positive, got " + capacity);
    }
    this.capacity = capacity;
  }

  /** The default budget: half the JVM's maximum heap (the rest is the server's own and garbage). */
  public static long defaultCapacity() {
    return Runtime.getRuntime().maxMemory() / 2;
  }

  public long capacity() {
    return capacity;
  }

  /** Bytes reserved by running calls now. */
  public long reserved() {
    return reserved.get();
  }

  /** A new account for one call, holding nothing. */
  Account open() {
    return new Account();
  }

  /**
   * Reserves {@code bytes} on the current call's account, if the call has one (calls served without
   * the operations layer, in tests, have none).
   *
   * @throws StatusRuntimeException RESOURCE_EXHAUSTED if the budget cannot hold them
   */
  public static void reserve(long bytes) {
    CallGuard.Guard guard = CallGuard.current();
    if (guard != null) {
      guard.account().reserve(bytes);
    }
  }

  /** What one call holds of the budget; everything it holds is returned by {@link #close}. */
  final class Account implements AutoCloseable {
    private long held;
    private boolean closed;

    /**
     * Reserves {@code bytes}; false (nothing reserved) if the budget cannot hold them or the call
     * has ended.
     */
    synchronized boolean tryReserve(long bytes) {
      if (closed) {
        return false;
      }
      if (bytes <= 0) {
        return true;
      }
      long after = reserved.addAndGet(bytes);
      if (after > capacity) {
        reserved.addAndGet(-bytes);
        return false;
      }
      held += bytes;
      return true;
    }

    /** {@link #tryReserve}, failing with the status the caller must get. */
    void reserve(long bytes) {
      if (!tryReserve(bytes)) {
        throw refusal(bytes).asRuntimeException(retryHint(bytes));
      }
    }

    /** RESOURCE_EXHAUSTED saying how much {@code bytes} more did not fit, and whether to retry. */
    Status refusal(long bytes) {
      long needed;
      synchronized (this) {
        needed = held + bytes;
      }
      if (needed > capacity) {
        return Status.RESOURCE_EXHAUSTED.withDescription(
            "the request needs more than "
                + mib(needed)
                + " MiB of server memory, more than the "
                + mib(capacity)
                + " MiB all calls may hold; send a smaller request");
      }
      return Status.RESOURCE_EXHAUSTED.withDescription(
          "the server is short of memory for this request (it needs "
              + mib(needed)
              + " MiB, running calls hold "
              + mib(reserved.get())
              + " of "
              + mib(capacity)
              + " MiB); retry later");
    }

    /** The retry hint to send with {@link #refusal}: none if the request can never fit. */
    Metadata retryHint(long bytes) {
      Metadata trailers = new Metadata();
      synchronized (this) {
        if (held + bytes <= capacity) {
          trailers.put(Calls.RETRY_PUSHBACK_MS, "1000");
        }
      }
      return trailers;
    }

    @Override
    public synchronized void close() {
      closed = true;
      reserved.addAndGet(-held);
      held = 0;
    }
  }

  private static long mib(long bytes) {
    return (bytes + MIB - 1) / MIB;
  }
}
