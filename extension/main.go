// Command netlinkq shows the Linux kernel's networking state as SQL tables.
//
// Started by osqueryd with --socket, it is an osquery extension that serves
// every table of the registry over Thrift. Started with SQL (or with none, on
// a terminal), it runs the same tables in an embedded SQLite, as osqueryi does.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/netlinkq/netlinkq/extension/osqueryhost"
	"github.com/netlinkq/netlinkq/extension/shell"
	"github.com/netlinkq/netlinkq/extension/sqlhost"
)

// version is stamped at build time: -ldflags "-X main.version=$(git describe)".
var version = "dev"

func main() {
	// This process runs one embedded host at most, on one goroutine at a
	// time: SQLite needs no mutexes (run is also called by tests, several
	// at once, so this is here and not there).
	sqlhost.SingleThread()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  netlinkq [--json|--csv|--line] [--separator S] [--netns NAME] [--follow] ["SQL"]
      run SQL over the netlinkq tables in an embedded SQLite (osqueryi-like);
      with no SQL, read it from stdin, or start a shell on a terminal;
      --sqlite-only: no direct scans (SELECT cols FROM t WHERE col = x ...
      is answered without SQLite's row machinery, with the same output)
      --follow: run SQL again as event tables buffer more, printing the
      new events (--json: one object a line), until Ctrl-C
      --config PATH: the configuration file (default /etc/netlinkq/netlinkq.json)
  netlinkq.ext --socket PATH [--timeout S] [--interval S] [--verbose]
      serve the tables to osqueryd as an extension (the flags osqueryd passes)
  netlinkq --version | --help
`

// run parses args and hands over to the host they ask for: the osquery
// host when osqueryd's --socket is there, else the embedded shell. It
// returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "--socket" || strings.HasPrefix(a, "--socket=") {
			o, err := parseExtensionFlags(args)
			if err != nil {
				fmt.Fprintf(stderr, "Error: %v\n", err)
				return 1
			}
			return osqueryhost.Run(o, stderr)
		}
	}
	o, exit, err := parseShellFlags(args, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	if exit {
		return 0
	}
	return shell.Run(o, stdin, stdout, stderr)
}

// parseExtensionFlags reads osqueryd's extension flags. Flags osquery may add
// that we do not know are ignored, as osquery's own extensions ignore them.
func parseExtensionFlags(args []string) (osqueryhost.Options, error) {
	o := osqueryhost.Options{Timeout: 3 * time.Second, Interval: 3 * time.Second, Version: version,
		Config: os.Getenv("NETLINKQ_CONFIG")}
	for i := 0; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		takeVal := flagValue(args, &i, name, val, hasVal)
		switch name {
		case "socket":
			v, err := takeVal()
			if err != nil {
				return o, err
			}
			o.Socket = v
		case "timeout", "interval":
			v, err := takeVal()
			if err != nil {
				return o, err
			}
			secs, err := strconv.ParseFloat(v, 64)
			if err != nil || secs <= 0 || secs > 24*3600 {
				return o, fmt.Errorf("flag --%s: %q is not a number of seconds", name, v)
			}
			d := time.Duration(secs * float64(time.Second))
			if name == "timeout" {
				o.Timeout = d
			} else {
				o.Interval = d
			}
		case "verbose":
			o.Verbose = !hasVal || val == "true" || val == "1"
		default:
			// An osquery flag we do not use; a following value is skipped with it
			// only when it cannot be a flag itself.
			if !hasVal && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
			}
		}
	}
	if o.Socket == "" {
		return o, fmt.Errorf("flag --socket needs a path")
	}
	return o, nil
}

// parseShellFlags reads the embedded host's flags. exit is true when the
// flags asked only for --help or --version, which it has printed.
func parseShellFlags(args []string, stdout io.Writer) (o shell.Options, exit bool, err error) {
	o = shell.Options{Mode: "pretty", Separator: "|", Header: true, Version: version}
	var sql []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			sql = append(sql, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			sql = append(sql, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takeVal := flagValue(args, &i, name, val, hasVal)
		switch name {
		case "help", "h":
			fmt.Fprint(stdout, usage)
			return o, true, nil
		case "version":
			fmt.Fprintf(stdout, "netlinkq version %s\n", version)
			return o, true, nil
		case "json", "csv", "line", "pretty":
			o.Mode = name
		case "header":
			o.Header = !hasVal || val == "true" || val == "1"
		case "noheader", "no-header":
			o.Header = false
		case "separator":
			if o.Separator, err = takeVal(); err != nil {
				return o, false, err
			}
		case "sqlite-only":
			o.SQLiteOnly = true
		case "follow":
			o.Follow = true
		case "config":
			if o.Config, err = takeVal(); err != nil {
				return o, false, err
			}
		case "netns":
			if o.NetNS, err = takeVal(); err != nil {
				return o, false, err
			}
		default:
			return o, false, fmt.Errorf("unknown flag %s (see --help)", a)
		}
	}
	o.SQL = strings.Join(sql, " ")
	return o, false, nil
}

// flagValue returns a function that yields flag name's value: the part after
// "=" when the flag had one, else the next argument (advancing *i).
func flagValue(args []string, i *int, name, val string, hasVal bool) func() (string, error) {
	return func() (string, error) {
		if hasVal {
			return val, nil
		}
		if *i+1 >= len(args) {
			return "", fmt.Errorf("flag --%s needs a value", name)
		}
		*i++
		return args[*i], nil
	}
}
