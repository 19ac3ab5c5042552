/**
 * Offline checks for the restore procedure ({@code verify}): a database's Parquet footers, schemas,
 * row counts, key ranges and references between tables, loaded as {@code serve} loads it.
 */
package org.softwareheritage.provenance.server.verify;
