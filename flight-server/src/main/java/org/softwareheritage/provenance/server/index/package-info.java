/**
 * The lookup structures over the stored tables, built once and then only read: node ids and SWHIDs
 * to rows, key ranges of each table, origins, and the precomputed earliest anchor of every node
 * with the date and smallest origin of every revision and release. Every row number read from them
 * is checked, so a damaged index fails a call, not the process.
 */
package org.softwareheritage.provenance.server.index;
