package org.softwareheritage.provenance.server.flight;

import io.grpc.Context;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.grpc.StatusUtils;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.ElementAddressableVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.softwareheritage.provenance.server.grpc.CallErrors;
import org.softwareheritage.provenance.server.grpc.RequestException;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.index.KeyRangeIndex;
import org.softwareheritage.provenance.server.index.RowRange;
import org.softwareheritage.provenance.server.ops.CallMemory;
import org.softwareheritage.provenance.server.ops.RequestedSwhids;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.storage.StoredTable;

/**
 * Arrow Flight over the loaded tables and indices: discovery of every table, streams of tables and
 * slices (projection, key filters, row ranges), and bulk provenance by DoGet or DoExchange.
 * Read-only: DoPut and actions are refused.
 *
 * <p>Streams run bound to their call ({@link CallThread}): when the call is over (deadline, cancel,
 * ended by the server) their thread stops, whatever the client does. Whatever a stream fails with,
 * an Error included, becomes the call's status, mapped as in the gRPC service ({@link CallErrors}).
 */
public final class ProvenanceFlightProducer implements FlightProducer {
  private static final Logger LOG = LoggerFactory.getLogger(ProvenanceFlightProducer.class);

  private final IndexedDatabase data;
  private final ProvenanceQueries queries;
  private final BufferAllocator allocator;
  private final FlightOptions options;
  private final Executor streams;

  /**
   * @param streams runs DoGet streams: {@link #getStream} hands the stream over and returns, so
   *     that gRPC can deliver the call's on-ready and cancellation callbacks meanwhile (they run on
   *     the call's serialized executor, which a producer blocking in getStream would hold)
   */
  public ProvenanceFlightProducer(
      IndexedDatabase data,
      ProvenanceQueries queries,
      BufferAllocator allocator,
      FlightOptions options,
      Executor streams) {
    this.data = data;
    this.streams = streams;
    this.queries = queries;
    this.allocator = allocator;
    this.options = options;
  }

  @Override
  public void listFlights(
      CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
    try {
      for (ProvenanceTable table : ProvenanceTable.values()) {
        listener.onNext(
            tableInfo(
                FlightDescriptor.path(table.directory()),
                new FlightRequest.TableRequest(table.directory(), null, null, null, null)));
      }
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(status(e, "ListFlights"));
    }
  }

  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    try {
      FlightRequest request = request(descriptor);
      if (request instanceof FlightRequest.TableRequest table) {
        return tableInfo(descriptor, table);
      }
      // the command is the ticket: no copy of a long SWHID list
      return new FlightInfo(
          ProvenanceStreamer.SCHEMA,
          descriptor,
          List.of(new FlightEndpoint(new Ticket(descriptor.getCommand()))),
          -1,
          -1);
    } catch (RuntimeException e) {
      throw status(e, "GetFlightInfo");
    }
  }

  @Override
  public SchemaResult getSchema(CallContext context, FlightDescriptor descriptor) {
    try {
      FlightRequest request = request(descriptor);
      if (request instanceof FlightRequest.TableRequest table) {
        return new SchemaResult(table(table).messageSchema(columns(table)));
      }
      return new SchemaResult(ProvenanceStreamer.SCHEMA);
    } catch (RuntimeException e) {
      throw status(e, "GetSchema");
    }
  }

  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    try {
      streams.execute(
          Context.current().wrap(() -> serve("DoGet", listener, () -> stream(ticket, listener))));
    } catch (RejectedExecutionException e) {
      listener.error(
          CallStatus.UNAVAILABLE
              .withDescription("the server is shutting down")
              .toRuntimeException());
    }
  }

  private void stream(Ticket ticket, ServerStreamListener listener) {
    FlightRequest request = FlightRequest.parse(ticket.getBytes(), options);
    if (request instanceof FlightRequest.TableRequest table) {
      StoredTable stored = table(table);
      TableStreamer.stream(
          stored, columns(table), ranges(stored, table), options.batchRows(), listener, allocator);
    } else if (request instanceof FlightRequest.ProvenanceRequest provenance) {
      try (ProvenanceStreamer out = streamer(provenance.allAnchors(), listener)) {
        if (out.write(provenance.swhids())) {
          out.complete();
        }
      }
    } else {
      throw RequestException.invalid("an exchange command is not a DoGet ticket: use DoExchange");
    }
  }

  @Override
  public void doExchange(CallContext context, FlightStream reader, ServerStreamListener writer) {
    serve("DoExchange", writer, () -> exchange(reader, writer));
  }

  private void exchange(FlightStream reader, ServerStreamListener writer) {
    FlightRequest request = request(reader.getDescriptor());
    if (!(request instanceof FlightRequest.ExchangeRequest exchange)) {
      throw RequestException.invalid("DoExchange takes the command {\"exchange\": \"provenance\"}");
    }
    try (ProvenanceStreamer out = streamer(exchange.allAnchors(), writer)) {
      RequestSwhids swhids = new RequestSwhids();
      long offset = 0;
      while (reader.next()) {
        VectorSchemaRoot batch = reader.getRoot();
        FieldVector column = batch.getVector("swhid");
        if (!(column instanceof VarCharVector || column instanceof LargeVarCharVector)) {
          throw RequestException.invalid(
              "DoExchange batches need a string column \"swhid\", got "
                  + RequestException.quote(batch.getSchema()));
        }
        RequestedSwhids.add(batch.getRowCount());
        options.checkSwhidCount(offset + batch.getRowCount());
        swhids.parse((ElementAddressableVector) column, batch.getRowCount(), offset);
        if (!out.write(swhids)) {
          throw callOver();
        }
        offset += batch.getRowCount();
      }
      out.complete();
    }
  }

  /**
   * Runs a stream's {@code work} bound to its call, and ends the call with what it fails with. A
   * call already over gets CANCELLED, which frees what Flight holds for it (an exchange's reader).
   */
  private static void serve(String method, ServerStreamListener listener, Runnable work) {
    try {
      CallThread.run(work);
    } catch (RuntimeException | Error e) {
      listener.error(CallThread.callOver() ? callOver() : status(e, method));
    }
  }

  private static FlightRuntimeException callOver() {
    return CallStatus.CANCELLED.withDescription("the call is over").toRuntimeException();
  }

  @Override
  public Runnable acceptPut(
      CallContext context, FlightStream flightStream, StreamListener<PutResult> ackStream) {
    return () ->
        ackStream.onError(
            CallStatus.UNIMPLEMENTED
                .withDescription("this service is read-only: DoPut is not supported")
                .toRuntimeException());
  }

  @Override
  public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    listener.onError(
        CallStatus.INVALID_ARGUMENT
            .withDescription(
                "unknown action "
                    + RequestException.quote(action.getType())
                    + ": this service has no actions")
            .toRuntimeException());
  }

  @Override
  public void listActions(CallContext context, StreamListener<ActionType> listener) {
    listener.onCompleted();
  }

  private FlightRequest request(FlightDescriptor descriptor) {
    if (descriptor.isCommand()) {
      return FlightRequest.parse(descriptor.getCommand(), options);
    }
    List<String> path = descriptor.getPath();
    if (path.size() != 1) {
      throw RequestException.invalid(
          "a path descriptor names one table, got " + RequestException.quote(path));
    }
    return new FlightRequest.TableRequest(path.get(0), null, null, null, null);
  }

  private FlightInfo tableInfo(FlightDescriptor descriptor, FlightRequest.TableRequest request) {
    StoredTable table = table(request);
    Schema schema = table.messageSchema(columns(request));
    List<RowRange> ranges = ranges(table, request);
    long rows = ranges.stream().mapToLong(RowRange::size).sum();
    List<FlightEndpoint> endpoints = new ArrayList<>();
    if (request.keys() == null && ranges.size() == 1) {
      RowRange range = ranges.get(0);
      for (long start = range.start();
          start < range.end() || endpoints.isEmpty();
          start += options.endpointRows()) {
        long end = Math.min(range.end(), start + options.endpointRows());
        endpoints.add(new FlightEndpoint(new Ticket(request.withRows(start, end).toJson())));
      }
    } else {
      // a key list comes in a command, which is the ticket: no copy of a long list
      endpoints.add(
          new FlightEndpoint(
              new Ticket(descriptor.isCommand() ? descriptor.getCommand() : request.toJson())));
    }
    long bytes =
        table.rowCount() == 0
            ? 0
            : Math.round(table.sizeInBytes() * (double) rows / table.rowCount());
    return new FlightInfo(schema, descriptor, endpoints, bytes, rows);
  }

  private StoredTable table(FlightRequest.TableRequest request) {
    for (ProvenanceTable table : ProvenanceTable.values()) {
      if (table.directory().equals(request.table())) {
        return data.database().table(table);
      }
    }
    throw RequestException.invalid(
        "unknown table "
            + RequestException.quote(request.table())
            + ", expected one of "
            + Arrays.stream(ProvenanceTable.values()).map(ProvenanceTable::directory).toList());
  }

  private List<String> columns(FlightRequest.TableRequest request) {
    List<String> available = table(request).columnNames();
    if (request.columns() == null) {
      return available;
    }
    for (String column : request.columns()) {
      if (!available.contains(column)) {
        throw RequestException.invalid(
            "table "
                + request.table()
                + " has no loaded column "
                + RequestException.quote(column)
                + ", expected some of "
                + available);
      }
    }
    return request.columns();
  }

  /** The row ranges a table request selects, in the order they are streamed. */
  private List<RowRange> ranges(StoredTable table, FlightRequest.TableRequest request) {
    List<RowRange> ranges = new ArrayList<>();
    KeyRangeIndex keys = data.index().keys(table.table());
    if (request.keys() != null) {
      for (long key : request.keys()) {
        ranges.add(keys.rows(key));
      }
    } else if (request.keyRange() != null) {
      ranges.add(keys.rows(request.keyRange()[0], request.keyRange()[1]));
    } else {
      ranges.add(new RowRange(0, table.rowCount()));
    }
    if (request.rows() != null) {
      long start = Math.min(request.rows()[0], table.rowCount());
      long end = Math.min(request.rows()[1], table.rowCount());
      ranges.replaceAll(
          range ->
              new RowRange(
                  Math.max(range.start(), start),
                  Math.max(Math.max(range.start(), start), Math.min(range.end(), end))));
    }
    ranges.removeIf(RowRange::isEmpty);
    if (ranges.isEmpty()) {
      ranges.add(RowRange.EMPTY);
    }
    return ranges;
  }

  /**
   * A writer of bulk provenance answers, its heap reserved on the call's budget. Their batches are
   * allocated from the Flight allocator, not the call's: gRPC may still hold the last ones when the
   * call ends.
   */
  private ProvenanceStreamer streamer(boolean allAnchors, ServerStreamListener listener) {
    CallMemory.reserve(ProvenanceStreamer.heapBytes(options.batchRows()));
    return new ProvenanceStreamer(
        queries, data.index(), allAnchors, options.batchRows(), listener, allocator);
  }

  private static FlightRuntimeException status(Throwable e, String method) {
    if (e instanceof FlightRuntimeException flight) {
      return flight;
    }
    if (e instanceof OutOfMemoryError || e instanceof OutOfMemoryException) {
      LOG.warn("{} ran out of memory: {}", method, e.toString());
      return CallStatus.RESOURCE_EXHAUSTED
          .withDescription("the server ran out of memory for this call; retry later")
          .toRuntimeException();
    }
    return StatusUtils.fromGrpcStatus(CallErrors.status(e, method)).toRuntimeException();
  }
}
