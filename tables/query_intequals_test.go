package tables

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIntEquals checks that an integer column narrows by the integer SQLite
// compares a value as, and narrows nothing when SQLite would not see an
// exact integer: a missing row is a bug, a superset is fine.
func TestIntEquals(t *testing.T) {
	tests := []struct {
		exprs  []string
		want   []int64
		wantOK bool
	}{
		{[]string{"80"}, []int64{80}, true},
		{[]string{"80", "443"}, []int64{80, 443}, true},
		{[]string{"-1"}, []int64{-1}, true},
		{[]string{"+80"}, []int64{80}, true},
		{[]string{"080"}, []int64{80}, true},
		{[]string{"9223372036854775807"}, []int64{9223372036854775807}, true},
		{[]string{"80.0"}, []int64{80}, true}, // osquery sends reals as SQLite prints them
		{[]string{"8e1"}, []int64{80}, true},
		{[]string{"1.0e+15"}, []int64{1e15}, true},
		{[]string{" 80 "}, []int64{80}, true}, // text ' 80 ' is 80 under INTEGER affinity
		{[]string{"\t80.0\n"}, []int64{80}, true},
		{[]string{"-0.0"}, []int64{0}, true},
		{[]string{"80", "http"}, nil, false},
		{[]string{"http"}, nil, false},
		{[]string{""}, nil, false},
		{[]string{"80.5"}, nil, false},
		{[]string{"1.0e+20"}, nil, false}, // a real beyond 2^53: inexact
		{[]string{"9007199254740993.0"}, nil, false},
		{[]string{"18446744073709551615"}, nil, false},
		{[]string{"NaN"}, nil, false},
		{[]string{"Inf"}, nil, false},
		{[]string{"\x00\xff"}, nil, false},
	}
	spec := testTable(nil).Spec()
	for _, tt := range tests {
		var cons []Constraint
		for _, e := range tt.exprs {
			cons = append(cons, Constraint{OpEquals, e})
		}
		q := NewQuery(spec, map[string][]Constraint{"n": cons}, nil)
		got, ok := q.IntEquals("n")
		if ok != tt.wantOK || !cmp.Equal(got, tt.want) {
			t.Errorf("IntEquals(%q) = %v, %v; want %v, %v", tt.exprs, got, ok, tt.want, tt.wantOK)
		}
	}
}
