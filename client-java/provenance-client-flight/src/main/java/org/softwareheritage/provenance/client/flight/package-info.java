/**
 * The Arrow Flight client: tables, slices and bulk provenance as Arrow batches, and exports to
 * Parquet or Arrow IPC files.
 */
package org.softwareheritage.provenance.client.flight;
