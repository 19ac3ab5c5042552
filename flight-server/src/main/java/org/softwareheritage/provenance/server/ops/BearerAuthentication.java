package org.softwareheritage.provenance.server.ops;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires {@code authorization: Bearer TOKEN} on every call but health checks, accepted by one of
 * the verifiers. Every invalid or missing token gets the same UNAUTHENTICATED message (the reason
 * is only logged); a valid token without the required role gets PERMISSION_DENIED. With a rate
 * limit, every refused call takes a token from its address's bucket first (RESOURCE_EXHAUSTED once
 * empty), so that tokens cannot be guessed faster than the limit allows.
 */
public final class BearerAuthentication implements ServerInterceptor {
  /** The one message of every authentication failure. */
  public static final String UNAUTHENTICATED_MESSAGE = "missing or invalid bearer token";

  private static final Logger LOG = LoggerFactory.getLogger(BearerAuthentication.class);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";

  private final List<TokenVerifier> verifiers;
  private final RateLimit rateLimit;
  private final ClientKeys clients;

  /**
   * @param rateLimit the limit refused calls count against, or {@code null}
   */
  BearerAuthentication(List<TokenVerifier> verifiers, RateLimit rateLimit, ClientKeys clients) {
    this.verifiers = List.copyOf(verifiers);
    this.rateLimit = rateLimit;
    this.clients = clients;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (Calls.isHealthCheck(call)) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return unauthenticated(call, headers, "no bearer token");
    }
    String token = header.substring(BEARER.length()).trim();
    TokenRejectedException last = null;
    for (TokenVerifier verifier : verifiers) {
      try {
        ClientIdentity.set(verifier.verify(token));
        return next.startCall(call, headers);
      } catch (TokenRejectedException e) {
        if (e.permissionDenied()) {
          LOG.info(
              "{} from {}: permission denied: {}",
              call.getMethodDescriptor().getFullMethodName(),
              Calls.peerAddress(call),
              e.getMessage());
          ServerCall.Listener<ReqT> limited = overRateLimit(call, headers);
          return limited != null
              ? limited
              : Calls.reject(
                  call,
                  Status.PERMISSION_DENIED.withDescription("the token lacks the required role"));
        }
        last = e;
      }
    }
    return unauthenticated(call, headers, last == null ? "no verifier" : last.getMessage());
  }

  private <ReqT, RespT> ServerCall.Listener<ReqT> unauthenticated(
      ServerCall<ReqT, RespT> call, Metadata headers, String reason) {
    LOG.info(
        "{} from {}: unauthenticated: {}",
        call.getMethodDescriptor().getFullMethodName(),
        Calls.peerAddress(call),
        reason);
    ServerCall.Listener<ReqT> limited = overRateLimit(call, headers);
    return limited != null
        ? limited
        : Calls.reject(call, Status.UNAUTHENTICATED.withDescription(UNAUTHENTICATED_MESSAGE));
  }

  /** The refusal of a refused call that is also over its address's rate limit, or {@code null}. */
  private <ReqT, RespT> ServerCall.Listener<ReqT> overRateLimit(
      ServerCall<ReqT, RespT> call, Metadata headers) {
    return rateLimit == null
        ? null
        : rateLimit.refuseOverLimit(call, clients.address(call, headers));
  }
}
