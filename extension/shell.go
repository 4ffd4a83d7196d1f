package main

import (
	"fmt"
	"io"
)

func runShell(o shellOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "Error: not yet")
	return 1
}
