package netlinkx

// Constants that golang.org/x/sys/unix lacks, spelt as the kernel spells them,
// one block per uapi header with the header's path in the block comment.
// Append a new block at the end of this file for a new header.

//lint:file-ignore ST1003 names follow the kernel's uapi headers
