package tables

import (
	"reflect"
	"strings"
	"testing"
)

// TestRegistryIsLazy keeps start-up cheap: every table in the registry is
// built on first use (lazy, or newEventTable, which is lazy too), so that a
// run which names one table, or none, builds no other column list.
func TestRegistryIsLazy(t *testing.T) {
	for _, tb := range All() {
		typ := reflect.TypeOf(tb).String()
		if !strings.HasPrefix(typ, "*tables.lazyTable[") && !strings.HasPrefix(typ, "*tables.eventTable[") {
			t.Errorf("%s is a %s: declare it as var x = lazy(%q, func() *Table[T] { return &Table[T]{...} })", tb.TableName(), typ, tb.TableName())
		}
	}
}
