// Package main is the initorder corpus plugin. It imports c (which imports a
// and b), b and a, all of which record their package-level var initialisers
// and init funcs in package recorder; this file and order.go add their own
// steps. The recorded order is Go's initialisation order: imported packages
// first (dependencies before dependents), then this package's vars in
// dependency order, then its init funcs in file order and, within a file, in
// source order.
package main

import (
	"example.com/corpus/initorder/a"
	"example.com/corpus/initorder/b"
	"example.com/corpus/initorder/c"
	"example.com/corpus/initorder/recorder"
)

// Late depends on Early, so it is initialised after it although it is
// declared first.
var Late = recorder.Step("main.Late after main.Early=" + itoaMain(Early))

// Early is initialised first among main's vars.
var Early = recorder.Step("main.Early sees " + c.Name() + b.Name() + a.Name())

func init() { recorder.Step("main.init #1 (initorder.go)") }

func init() { recorder.Step("main.init #2 (initorder.go)") }

// Positions reports the positions recorded for some of the steps.
func Positions() (aFirst, aSecond, bValue, cOne, cTwo, early, late int) {
	return a.First, a.Second, b.Value, c.One, c.Two, Early, Late
}

func itoaMain(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}
