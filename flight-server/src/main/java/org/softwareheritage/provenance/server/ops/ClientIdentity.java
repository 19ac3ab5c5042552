package org.softwareheritage.provenance.server.ops;

import io.grpc.Context;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Who is calling, as established by {@link BearerAuthentication}: a per-call holder that the {@link
 * CallMonitor} creates in the call's context, so the outermost interceptor (access log) and the
 * inner ones (rate limit) see the identity an inner interceptor found.
 */
final class ClientIdentity {
  static final Context.Key<AtomicReference<String>> KEY =
      Context.key("swh-provenance-client-identity");

  private ClientIdentity() {}

  /** The identity authenticated for the current call, or {@code null}. */
  static String current() {
    AtomicReference<String> holder = KEY.get();
    return holder == null ? null : holder.get();
  }

  static void set(String identity) {
    AtomicReference<String> holder = KEY.get();
    if (holder != null) {
      holder.set(identity);
    }
  }
}
