// Package c imports a and b; it has two files, whose var initialisers and
// init funcs run in file-name order.
package c

import (
	"example.com/corpus/initorder/a"
	"example.com/corpus/initorder/b"
	"example.com/corpus/initorder/recorder"
)

// One is declared in c1.go.
var One = recorder.Step("c.One (c1.go) sees " + a.Name() + b.Name())

func init() { recorder.Step("c.init (c1.go)") }

// Name names the package.
func Name() string { return "c" }
