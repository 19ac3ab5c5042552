package org.softwareheritage.provenance.server.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine;

/** Parses {@code HOST:PORT} and {@code [IPv6]:PORT} listen addresses. */
final class BindAddressConverter implements CommandLine.ITypeConverter<InetSocketAddress> {
  @Override
  public InetSocketAddress convert(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not HOST:PORT");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("'" + value + "': the port is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "': the port must be between 0 and 65535");
    }
    return new InetSocketAddress(host, port);
  }
}
