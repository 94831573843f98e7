// Package b imports a.
package b

import (
	"example.com/corpus/initorder/a"
	"example.com/corpus/initorder/recorder"
)

// Value is initialised after all of package a.
var Value = recorder.Step("b.Value sees " + a.Name())

func init() { recorder.Step("b.init") }

// Name is used by c.
func Name() string { return "b" }
