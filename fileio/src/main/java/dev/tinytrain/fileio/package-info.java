/**
 * Safe file input and output for every tinytrain tool. Inputs ({@link dev.tinytrain.fileio.InputFiles}) are read
 * only when they are regular files, and only after their size is checked against a limit, so a named pipe, a
 * device or a huge file is refused with a message instead of hanging or exhausting the heap. Outputs
 * ({@link dev.tinytrain.fileio.OutputFiles}, {@link dev.tinytrain.fileio.OutputFolder}) are written whole or not
 * at all, beside their destination, with permissions from the umask; they never replace an input of the same
 * command, and a folder is replaced only when tinytrain wrote it and it holds nothing else. Every failure is a
 * {@link dev.tinytrain.fileio.FileAccessException} whose message names the file and the operating system's
 * reason.
 */
package dev.tinytrain.fileio;
