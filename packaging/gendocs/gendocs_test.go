package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/tables"
	"github.com/osquery/osquery-go/plugin/table"
)

// committed is the reference as committed, relative to this package.
var committed = filepath.Join("..", "..", "docs", "tables")

// TestDocsFresh fails when docs/tables differs from what the registry generates.
func TestDocsFresh(t *testing.T) {
	want, err := generate(tables.All())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(committed)
	if err != nil {
		t.Fatalf("docs/tables is missing (%v): run `make docs` and commit docs/tables", err)
	}
	got := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(committed, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[e.Name()] = b
	}
	var stale []string
	for name, b := range want {
		g, ok := got[name]
		switch {
		case !ok:
			stale = append(stale, name+" (missing)")
		case string(g) != string(b):
			stale = append(stale, name+" (differs)")
			t.Logf("docs/tables/%s (-want +got):\n%s", name, cmp.Diff(string(b), string(g)))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			stale = append(stale, name+" (no such table)")
		}
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		t.Errorf("docs/tables is out of date with the table registry: %s\nrun `make docs` (go run ./packaging/gendocs) and commit docs/tables",
			strings.Join(stale, ", "))
	}
}

// TestSpecShape checks that each JSON spec reads back as osquery-go's
// OsqueryTableSpec with every column of the table, hidden ones included.
func TestSpecShape(t *testing.T) {
	files, err := generate(tables.All())
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables.All() {
		s := tb.Spec()
		t.Run(s.Name, func(t *testing.T) {
			var got struct {
				Name      string   `json:"name"`
				Platforms []string `json:"platforms"`
				Columns   []struct {
					Name   string `json:"name"`
					Type   string `json:"type"`
					Hidden bool   `json:"hidden"`
				} `json:"columns"`
			}
			if err := json.Unmarshal(files[s.Name+".json"], &got); err != nil {
				t.Fatal(err)
			}
			if got.Name != s.Name || !slices.Equal(got.Platforms, []string{"linux"}) {
				t.Errorf("name %q platforms %q, want %q [linux]", got.Name, got.Platforms, s.Name)
			}
			if len(got.Columns) != len(s.Columns) {
				t.Fatalf("%d columns, want %d", len(got.Columns), len(s.Columns))
			}
			for i, c := range s.Columns {
				// osquery-go writes types lower case with underscores ("unsigned_bigint").
				wantType := strings.ReplaceAll(strings.ToLower(string(c.Type)), " ", "_")
				g := got.Columns[i]
				if g.Name != c.Name || g.Type != wantType || g.Hidden != (c.Options&tables.Hidden != 0) {
					t.Errorf("column %d = %+v, want %s %s hidden=%v", i, g, c.Name, wantType, c.Options&tables.Hidden != 0)
				}
			}
			md := string(files[s.Name+".md"])
			for _, c := range s.Columns {
				if !strings.Contains(md, "| `"+c.Name+"` |") {
					t.Errorf("%s.md has no row for column %s", s.Name, c.Name)
				}
			}
			// A fleet operator learns from each page which constraints are
			// cheap and how to read another namespace.
			for _, c := range s.Columns {
				if c.Options&tables.Index != 0 && !strings.Contains(md, "narrow the kernel request") {
					t.Errorf("%s.md: index column %s, but no word on what constraining it does", s.Name, c.Name)
				}
				if c.Options != 0 && !strings.Contains(md, "- **"+strings.Split(optionNames(c.Options), ", ")[0]+"**: ") {
					t.Errorf("%s.md: option %s of %s is not explained", s.Name, optionNames(c.Options), c.Name)
				}
			}
			if s.Index("netns") >= 0 && !strings.Contains(md, "FROM "+s.Name+" WHERE netns = ") {
				t.Errorf("%s.md: no namespace example", s.Name)
			}
			if !strings.Contains(string(files["README.md"]), "["+s.Name+"]("+s.Name+".md)") {
				t.Errorf("README.md does not list %s", s.Name)
			}
		})
	}
}

// TestGenerateRejects checks the generator's own errors on bad registries.
func TestGenerateRejects(t *testing.T) {
	all := tables.All()
	if len(all) == 0 {
		t.Skip("empty registry")
	}
	if _, err := generate([]tables.Interface{all[0], all[0]}); err == nil {
		t.Error("a table registered twice: no error")
	}
}

// TestColumnTypes pins the osquery-go types the tables' types map onto.
func TestColumnTypes(t *testing.T) {
	for _, typ := range []tables.Type{tables.TypeText, tables.TypeInteger, tables.TypeBigInt, tables.TypeUnsignedBigInt, tables.TypeDouble} {
		known := []table.ColumnType{table.ColumnTypeText, table.ColumnTypeInteger, table.ColumnTypeBigInt,
			table.ColumnTypeUnsignedBigInt, table.ColumnTypeDouble, table.ColumnTypeBlob}
		if !slices.Contains(known, table.ColumnType(typ)) {
			t.Errorf("tables type %q is not an osquery-go ColumnType", typ)
		}
	}
}
