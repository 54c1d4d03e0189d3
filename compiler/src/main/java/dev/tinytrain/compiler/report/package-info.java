/**
 * Writers of the compiler's {@link dev.tinytrain.compiler.MemoryReport}: aligned text, JSON
 * ({@code tinytrain-memory-report/1}, every field documented in
 * {@link dev.tinytrain.compiler.report.ReportWriters}) and an SVG of the arena over time; plus
 * {@link dev.tinytrain.compiler.report.TextTable} for the benchmark tables. The writers format only: they return
 * strings, and the command line writes them atomically.
 */
package dev.tinytrain.compiler.report;
