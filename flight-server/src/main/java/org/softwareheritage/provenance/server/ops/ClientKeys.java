package org.softwareheritage.provenance.server.ops;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import java.util.Locale;

/**
 * Whom a call counts against for the rate limit and the per-client concurrency cap: its
 * authenticated identity, else its address. The address is the peer's IP, or, with a trusted
 * forwarded header (set by the ingress, e.g. {@code x-forwarded-for}), the header's last entry: the
 * address the proxy nearest the server received the call from.
 */
final class ClientKeys {
  /** Longest address kept from a forwarded header, so that a forged header cannot grow the keys. */
  private static final int MAX_ADDRESS_CHARS = 64;

  private final Metadata.Key<String> forwardedHeader;

  /**
   * @param forwardedHeader the trusted header naming the client's address, or {@code null}
   */
  ClientKeys(String forwardedHeader) {
    this.forwardedHeader =
        forwardedHeader == null
            ? null
            : Metadata.Key.of(
                forwardedHeader.toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
  }

  /** The identity of the current call if it was authenticated, else {@link #address}. */
  String of(ServerCall<?, ?> call, Metadata headers) {
    String identity = ClientIdentity.current();
    return identity != null ? identity : address(call, headers);
  }

  /** The client's address: the forwarded header's last entry if set, else the peer's IP. */
  String address(ServerCall<?, ?> call, Metadata headers) {
    String forwarded = forwardedHeader == null ? null : headers.get(forwardedHeader);
    if (forwarded != null) {
      String last = forwarded.substring(forwarded.lastIndexOf(',') + 1).trim();
      if (!last.isEmpty()) {
        return last.length() > MAX_ADDRESS_CHARS ? last.substring(0, MAX_ADDRESS_CHARS) : last;
      }
    }
    return Calls.peerAddress(call);
  }
}
