package org.softwareheritage.provenance.server.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Demotes the "Stream Error" warning grpc-java's Netty transport logs, with a stack trace, for
 * every stream a client resets or cancels (and for writes racing that reset) to one DEBUG line:
 * such an error ends one stream, is seen by the call monitor as a cancelled call, and says nothing
 * about the server. Errors of whole connections are left alone.
 */
public final class ExpectedStreamErrors extends TurboFilter {
  private static final String STREAM_ERROR = "Stream Error";

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null
        || !level.isGreaterOrEqual(Level.INFO)
        || !STREAM_ERROR.equals(format)
        || !logger.getName().startsWith("io.grpc.netty.")) {
      return FilterReply.NEUTRAL;
    }
    if (logger.isDebugEnabled()) {
      logger.debug(
          "stream error (reset or cancelled by the client): {}", t == null ? "-" : t.toString());
    }
    return FilterReply.DENY;
  }
}
