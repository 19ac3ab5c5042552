/**
 * Databases written as Parquet files, and the writers that write them: the golden example of the
 * specification, embedded as the default database, and the synthetic database of any scale with the
 * real one's shape, for the benchmark.
 */
package org.softwareheritage.provenance.server.example;
