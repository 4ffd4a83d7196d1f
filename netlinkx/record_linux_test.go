package netlinkx_test

import "flag"

// record is the -record flag: `go test -run TestRecord -record` re-records
// the testdata from the running kernel, as root, in a namespace.
var record = flag.Bool("record", false, "re-record testdata from the running kernel (root)")
