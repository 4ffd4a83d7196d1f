package sqlhost

import (
	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// SingleThread puts SQLite in single-thread mode (SQLITE_CONFIG_SINGLETHREAD)
// for the rest of the process. modernc's driver opens every connection with
// SQLITE_OPEN_FULLMUTEX, and the pthread mutex calls of that mode around
// every API call (each xColumn, each result) took a sixth of a large query
// through SQLite: 10,000 sockets through --sqlite-only 49.8 -> 40.7 ms.
// Call it first thing in a process that uses SQLite from one goroutine at
// a time only, as the binary does with its one Host (the tables'
// goroutines never call SQLite). Once any connection is open it does
// nothing, and SQLite stays serialized.
func SingleThread() {
	tls := libc.NewTLS()
	defer tls.Close()
	sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_SINGLETHREAD, 0)
}
