package tables

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
)

// TestTableDocFiles keeps doc/ and the registry in step: every table has
// its doc/NAME.md, with a description and an example, and every file there
// belongs to a table. The text itself is checked byte for byte by
// packaging/gendocs's test against docs/tables.
func TestTableDocFiles(t *testing.T) {
	tables := map[string]bool{}
	for _, tb := range All() {
		name := tb.TableName()
		tables[name] = true
		doc, examples := tableDoc(name)
		if doc == "" || len(examples) == 0 {
			t.Errorf("doc/%s.md: %d bytes of description and %d examples; want both", name, len(doc), len(examples))
		}
		for _, s := range append([]string{doc}, examples...) {
			if strings.Contains(s, "  ") || s != strings.TrimSpace(s) {
				t.Errorf("doc/%s.md: a line begins or ends with a space: %q", name, s)
			}
		}
		if s := tb.Spec(); s.Doc != doc || !slices.Equal(s.Examples, examples) {
			t.Errorf("%s: the spec's description and examples are not those of doc/%s.md", name, name)
		}
	}
	files, err := fs.Glob(docFiles, "doc/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(path.Base(f), ".md"); !tables[name] {
			t.Errorf("%s belongs to no table in the registry", f)
		}
	}
	if len(files) != len(tables) {
		t.Errorf("%d files under doc/ for %d tables", len(files), len(tables))
	}
}

// TestParseDoc pins how a doc file reads: wrapped lines join with one
// space, blank lines go, and each ```sql block is one example.
func TestParseDoc(t *testing.T) {
	doc, examples := parseDoc("One row per thing,\nread from `x`.\n\n```sql\nSELECT a FROM t\n```\n\n```sql\nSELECT b FROM t\nWHERE c = 'd e'\n```\n")
	if want := "One row per thing, read from `x`."; doc != want {
		t.Errorf("description %q, want %q", doc, want)
	}
	want := []string{"SELECT a FROM t", "SELECT b FROM t WHERE c = 'd e'"}
	checkSame(t, want, examples, "examples (-want +got)")
}
