package tables

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoColumnLookedUpByName checks that no table decides what to ask the
// kernel by a column's name: Query.Used is for the hosts. A table whose
// request depends on a column declares a Need on the column (Column.Needs,
// Column.Asks) and reads it with Need.In, so that renaming the column
// cannot silently leave its cells NULL.
func TestNoColumnLookedUpByName(t *testing.T) {
	files, _ := filepath.Glob("*.go") // a constant pattern: Glob's one error is ErrBadPattern
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Used" {
				t.Errorf("%s: a table calls Used; declare a Need on the column instead", fset.Position(call.Pos()))
			}
			return true
		})
	}
}
