package main

import (
	"fmt"
	"io"
)

// runExtension serves every table to osqueryd. (Placeholder: the osquery host
// is being written in this file.)
func runExtension(o extOptions, stderr io.Writer) int {
	fmt.Fprintln(stderr, "Error: the osquery extension host is not built yet")
	return 1
}
