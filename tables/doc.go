// Package tables holds every netlinkq table: its columns, its description and
// the function that generates its rows from netlinkx.
//
// A table is written once, as a Table[T]: T is the kernel value one row shows
// (an inet_diag_msg, an RTM_NEWLINK), and the column list is at once the
// schema, the row builder and the request plan (a column can ask for an extra
// kernel request that is made only when the query uses it). Its description
// and example queries are prose in doc/NAME.md, read when the table is first
// used. The registry in
// registry_linux.go is the one list that both hosts read: the osquery extension and
// the embedded SQLite shell. This package imports neither host's library.
package tables
