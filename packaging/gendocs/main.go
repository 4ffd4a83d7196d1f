// Command gendocs writes the table reference under docs/tables from the
// registry: for each table, NAME.json in the shape osquery-go's table spec
// generation writes (table.Plugin.Spec, the osquery schema format) and NAME.md,
// and README.md, an index of them all.
//
// Run it from the repository root, as `make docs` does:
//
//	go run ./packaging/gendocs
//
// Files under the output directory that no table generates any more (a
// table was removed or renamed) are deleted, so the directory is always
// exactly what the registry describes; gendocs_test.go fails when it is not.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/netlinkq/netlinkq/tables"
	"github.com/osquery/osquery-go/plugin/table"
)

// repoURL is where the reference is published; each spec's url points at its page.
const repoURL = "https://github.com/netlinkq/netlinkq/blob/main/docs/tables/"

func main() {
	out := flag.String("out", filepath.Join("docs", "tables"), "directory to write the reference to")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

// write makes dir hold exactly the files generate returns.
func write(dir string) error {
	files, err := generate(tables.All())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	old, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range old {
		if _, keep := files[e.Name()]; !keep && !e.IsDir() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("remove stale %s: %w", e.Name(), err)
			}
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// generate returns the reference as file name → content: NAME.json and
// NAME.md for each table, and README.md.
func generate(all []tables.Interface) (map[string][]byte, error) {
	files := map[string][]byte{}
	var specs []*tables.Spec
	for _, t := range all {
		s := t.Spec()
		if s.Name == "" || strings.ContainsAny(s.Name, `/\. `) {
			return nil, fmt.Errorf("table name %q cannot name a file", s.Name)
		}
		if _, dup := files[s.Name+".json"]; dup {
			return nil, fmt.Errorf("table %s is registered twice", s.Name)
		}
		js, err := specJSON(s)
		if err != nil {
			return nil, fmt.Errorf("spec of table %s: %w", s.Name, err)
		}
		files[s.Name+".json"] = js
		files[s.Name+".md"] = tableMarkdown(s)
		specs = append(specs, s)
	}
	slices.SortFunc(specs, func(a, b *tables.Spec) int { return strings.Compare(a.Name, b.Name) })
	files["README.md"] = indexMarkdown(specs)
	return files, nil
}

// osqueryPlugin builds the osquery-go table plugin that declares s, as the
// extension host does; its Spec is what osquery-go's spec generation writes.
func osqueryPlugin(s *tables.Spec) *table.Plugin {
	cols := make([]table.ColumnDefinition, 0, len(s.Columns))
	for _, c := range s.Columns {
		cols = append(cols, table.ColumnDefinition{
			Name:        c.Name,
			Type:        table.ColumnType(c.Type),
			Description: c.Doc,
			Index:       c.Options&tables.Index != 0,
			Required:    c.Options&tables.Required != 0,
			Additional:  c.Options&tables.Additional != 0,
			Optimized:   c.Options&tables.Optimized != 0,
			Hidden:      c.Options&tables.Hidden != 0,
		})
	}
	opts := []table.TableOpt{
		table.WithDescription(s.Doc),
		table.WithURL(repoURL + s.Name + ".md"),
		table.WithPlatforms(table.LinuxPlatform),
	}
	for _, e := range s.Examples {
		opts = append(opts, table.WithExample(e))
	}
	gen := func(context.Context, table.QueryContext) ([]map[string]string, error) { return nil, nil }
	return table.NewPlugin(s.Name, cols, gen, opts...)
}

// specJSON is the table's osquery spec, indented, without HTML escaping
// (descriptions hold "<" and "&"), ending in a newline.
func specJSON(s *tables.Spec) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(osqueryPlugin(s).Spec()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// optionNames spells a column's options as osquery's specs do.
func optionNames(o tables.Options) string {
	var names []string
	for _, n := range []struct {
		bit  tables.Options
		name string
	}{
		{tables.Index, "index"},
		{tables.Required, "required"},
		{tables.Additional, "additional"},
		{tables.Optimized, "optimized"},
		{tables.Hidden, "hidden"},
	} {
		if o&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ", ")
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// header is the first line of every generated Markdown file.
const header = "<!-- Generated by `go run ./packaging/gendocs` (make docs) from tables.All(); do not edit. -->\n\n"

// optionMeaning says what each osquery column option means for someone
// writing queries against the table, in the order optionNames spells them.
var optionMeaning = []struct {
	bit  tables.Options
	name string
	text string
}{
	{tables.Index, "index", "an `=` or `IN` constraint on it narrows what is asked of the kernel (one link by name, one socket state); constraints on other columns filter the rows after the dump"},
	{tables.Required, "required", "a query must constrain it"},
	{tables.Additional, "additional", "constraining it asks the table for additional work (here: reading another network namespace), so osqueryd always passes its constraints to the extension"},
	{tables.Optimized, "optimized", "the table handles its constraints itself"},
	{tables.Hidden, "hidden", "left out of `SELECT *`; name it to read it"},
}

// namespaceColumns are the two hidden columns every table gets.
var namespaceColumns = []string{"pid_with_namespace", "netns"}

// tableMarkdown is the reference page of one table.
func tableMarkdown(s *tables.Spec) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", s.Name, strings.TrimSpace(s.Doc))
	b.WriteString("Platform: linux. Spec: [" + s.Name + ".json](" + s.Name + ".json).\n\n")
	b.WriteString("## Columns\n\n")
	b.WriteString("| Column | Type | Options | Description |\n")
	b.WriteString("|---|---|---|---|\n")
	var used tables.Options
	var indexed, costly []string
	hasNS := 0
	for _, c := range s.Columns {
		opts := optionNames(c.Options)
		if c.Costly {
			costly = append(costly, "`"+c.Name+"`")
			opts = strings.TrimPrefix(opts+", costly", ", ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Name, c.Type, opts, cell(c.Doc))
		used |= c.Options
		if c.Options&tables.Index != 0 {
			indexed = append(indexed, "`"+c.Name+"`")
		}
		if slices.Contains(namespaceColumns, c.Name) {
			hasNS++
		}
	}
	if used != 0 {
		b.WriteString("\nOptions:\n\n")
		for _, o := range optionMeaning {
			if used&o.bit != 0 {
				fmt.Fprintf(&b, "- **%s**: %s.\n", o.name, o.text)
			}
		}
	}
	if len(costly) > 0 {
		fmt.Fprintf(&b, "- **costly**: reading it costs an extra kernel request or a walk of /proc, made only when the query uses one of %s; leave them out of scheduled queries that do not need them.\n", joinAnd(costly))
	}
	b.WriteString("\n## Querying\n\n")
	if len(indexed) > 0 {
		fmt.Fprintf(&b, "Constraints on %s (`=` or `IN`) narrow the kernel request: use them in scheduled queries and policies. "+
			"Constraints on other columns are checked on each row after the whole dump.\n", joinAnd(indexed))
	} else {
		b.WriteString("The table reads everything it shows with one request; constraints filter the rows afterwards.\n")
	}
	if hasNS == len(namespaceColumns) {
		fmt.Fprintf(&b, "\nBy default the rows are the extension's own network namespace's (the host's, for osqueryd). "+
			"A constraint on `netns` (a name under /run/netns, or a path such as /proc/PID/ns/net) or on "+
			"`pid_with_namespace` (any process in a container) generates them inside that namespace instead; "+
			"several values give the union, each row carrying the value asked for:\n\n"+
			"```sql\nSELECT * FROM %[1]s WHERE netns = 'blue';\n```\n\n"+
			"```sql\n-- every namespace that has a process, with its name\n"+
			"SELECT n.name, n.pid, t.* FROM netlink_namespaces n\n  JOIN %[1]s t ON t.pid_with_namespace = n.pid;\n```\n", s.Name)
	}
	if len(s.Examples) > 0 {
		b.WriteString("\n## Examples\n")
		for _, e := range s.Examples {
			fmt.Fprintf(&b, "\n```sql\n%s;\n```\n", strings.TrimRight(strings.TrimSpace(e), ";"))
		}
	}
	return b.Bytes()
}

// joinAnd joins words as "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// summary is the first sentence of a table's description, for the index.
func summary(doc string) string {
	doc = strings.Join(strings.Fields(doc), " ")
	if i := strings.Index(doc, ". "); i >= 0 {
		return doc[:i+1]
	}
	return doc
}

// indexMarkdown is docs/tables/README.md: every table, sorted by name.
func indexMarkdown(specs []*tables.Spec) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("# netlinkq tables\n\n")
	b.WriteString("Every table netlinkq serves, to osqueryd as an extension and in its embedded shell " +
		"(`netlinkq \"SELECT ...\"`). Each has a Markdown reference and an osquery table spec (JSON, " +
		"the format osquery-go's spec generation writes).\n\n")
	b.WriteString("| Table | Columns | Description |\n")
	b.WriteString("|---|---|---|\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "| [%s](%s.md) ([spec](%s.json)) | %d | %s |\n", s.Name, s.Name, s.Name, len(s.Columns), cell(summary(s.Doc)))
	}
	b.WriteString("\n## Reading the reference\n\n" +
		"- **Types** are osquery's. osqueryd keeps INTEGER in 32 bits, so counters, inodes and other values " +
		"that can pass 2^31 are BIGINT or UNSIGNED BIGINT. A value the kernel did not send is NULL " +
		"(`\"\"` in osquery's JSON results).\n" +
		"- **index** columns narrow the kernel request: `WHERE interface = 'eth0'` asks for one link, " +
		"`WHERE state = 'LISTEN'` dumps only listening sockets. Constraints on other columns filter the " +
		"rows afterwards, so put an index column in scheduled queries and policies that run often.\n" +
		"- **Namespaces.** Every table has two hidden columns, `pid_with_namespace` and `netns` " +
		"(HIDDEN and ADDITIONAL: not in `SELECT *`, and osqueryd passes their constraints to the extension). " +
		"Without them a table shows the extension's own network namespace, the host's under osqueryd. " +
		"Constrain either to read a container's or a named namespace's view; join with " +
		"[netlink_namespaces](netlink_namespaces.md) to read every namespace:\n\n" +
		"  ```sql\n  SELECT n.name, s.local_address, s.local_port FROM netlink_namespaces n\n" +
		"    JOIN netlink_sockets s ON s.pid_with_namespace = n.pid\n   WHERE s.state = 'LISTEN';\n  ```\n" +
		"- Each JSON file is the table's osquery spec (osquery-go's `Spec()`), for tools that list a " +
		"fleet's tables and columns.\n")
	return b.Bytes()
}
