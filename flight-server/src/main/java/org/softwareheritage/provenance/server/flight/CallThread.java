package org.softwareheritage.provenance.server.flight;

import io.grpc.Context;

/**
 * Binds a Flight stream's work to its gRPC call: the thread running it is interrupted when the
 * call's context is cancelled (its deadline, the client's cancel, the server ending the call, or
 * the call's end), so that no wait, for the client's next batch or for room to send one, outlives
 * the call.
 */
final class CallThread {
  private CallThread() {}

  /**
   * Runs {@code work} on this thread, interrupted if the current context is cancelled meanwhile.
   */
  static void run(Runnable work) {
    Context context = Context.current();
    Thread thread = Thread.currentThread();
    Object lock = new Object();
    boolean[] running = {true};
    Context.CancellationListener interrupt =
        cancelled -> {
          synchronized (lock) {
            if (running[0]) {
              thread.interrupt();
            }
          }
        };
    context.addListener(interrupt, Runnable::run);
    try {
      work.run();
    } finally {
      synchronized (lock) {
        running[0] = false;
      }
      context.removeListener(interrupt);
      // an interrupt that came while the work ended must not reach the pool's next task
      Thread.interrupted();
    }
  }

  /**
   * Whether the current call is over (its context cancelled): its failures are no one's to hear.
   */
  static boolean callOver() {
    return Context.current().isCancelled();
  }
}
