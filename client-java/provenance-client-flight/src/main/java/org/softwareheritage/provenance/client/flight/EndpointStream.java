package org.softwareheritage.provenance.client.flight;

import java.util.Iterator;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The batches of every endpoint of a flight, one endpoint after the other, each read with DoGet.
 */
final class EndpointStream implements BatchStream {
  private final FlightClient client;
  private final Schema schema;
  private final Iterator<FlightEndpoint> endpoints;
  private FlightStream current;

  EndpointStream(FlightClient client, FlightInfo info) {
    this.client = client;
    this.schema =
        info.getSchemaOptional()
            .orElseThrow(() -> new IllegalStateException("the server sent no schema"));
    this.endpoints = info.getEndpoints().iterator();
    if (endpoints.hasNext()) {
      current = client.getStream(endpoints.next().getTicket());
    }
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public boolean next() {
    while (current != null) {
      if (current.next()) {
        return true;
      }
      if (!endpoints.hasNext()) {
        return false;
      }
      FlightStream finished = current;
      current = null;
      Streams.close(finished);
      current = client.getStream(endpoints.next().getTicket());
    }
    return false;
  }

  @Override
  public VectorSchemaRoot root() {
    if (current == null) {
      throw new IllegalStateException("the stream has no batches");
    }
    return current.getRoot();
  }

  @Override
  public DictionaryProvider dictionaries() {
    if (current == null) {
      throw new IllegalStateException("the stream has no batches");
    }
    return current.getDictionaryProvider();
  }

  @Override
  public void close() {
    if (current != null) {
      FlightStream stream = current;
      current = null;
      Streams.close(stream);
    }
  }
}
