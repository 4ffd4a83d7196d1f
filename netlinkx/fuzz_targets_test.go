package netlinkx_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEveryDecoderHasAFuzzTarget fails when a decoder of kernel data (an
// exported Decode* function, or a type with UnmarshalBinary) is named in no
// Fuzz* target of this package: every decoder is fuzzed.
func TestEveryDecoderHasAFuzzTarget(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var decoders []string
	fuzzed := map[string]bool{}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			switch {
			case strings.HasSuffix(name, "_test.go") && strings.HasPrefix(fn.Name.Name, "Fuzz"):
				body := string(src[fset.Position(fn.Body.Pos()).Offset:fset.Position(fn.Body.End()).Offset])
				for _, w := range strings.FieldsFunc(body, func(r rune) bool {
					return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
				}) {
					fuzzed[w] = true
				}
			case strings.HasSuffix(name, "_test.go"):
			case fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Decode"):
				decoders = append(decoders, fn.Name.Name)
			case fn.Recv != nil && fn.Name.Name == "UnmarshalBinary":
				typ := fn.Recv.List[0].Type
				if s, ok := typ.(*ast.StarExpr); ok {
					typ = s.X
				}
				if id, ok := typ.(*ast.Ident); ok {
					decoders = append(decoders, id.Name)
				}
			}
		}
	}
	slices.Sort(decoders)
	decoders = slices.Compact(decoders)
	if len(decoders) < 8 {
		t.Fatalf("found only %d decoders: %v", len(decoders), decoders)
	}
	for _, d := range decoders {
		if !fuzzed[d] {
			t.Errorf("decoder %s is named in no Fuzz target", d)
		}
	}
	t.Logf("decoders with a fuzz target: %v", decoders)
}
