/**
 * The side-by-side benchmark's Java parts, run by {@code bench/run.sh}: the gRPC and Flight driver
 * that measures both server modes in turn, grpc-java's floor (a service that does no work), JMH
 * lookups of the indices in process, and the process counters read from {@code /proc}.
 */
package org.softwareheritage.provenance.bench;
