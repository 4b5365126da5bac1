package crm

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestAuditActionsListsEveryAction: every AuditAction this package
// declares is in AuditActions, which the audit log's filter offers and
// accepts; "import-reverted" was left out, so the log could not be
// filtered to reverts.
func TestAuditActionsListsEveryAction(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
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
			spec, ok := n.(*ast.ValueSpec)
			if !ok || len(spec.Values) != len(spec.Names) {
				return true
			}
			if id, ok := spec.Type.(*ast.Ident); !ok || id.Name != "AuditAction" {
				return true
			}
			for _, v := range spec.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					continue
				}
				action, _ := strconv.Unquote(lit.Value)
				declared++
				if !slices.Contains(AuditActions, AuditAction(action)) {
					t.Errorf("the audit action %q is not in AuditActions", action)
				}
			}
			return true
		})
	}
	if declared != len(AuditActions) {
		t.Errorf("%d audit actions declared, %d in AuditActions", declared, len(AuditActions))
	}
}
