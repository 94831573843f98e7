// Package main is the skewb corpus plugin. It must be built with
// -tags skewb, which selects v2 of example.com/corpus/skewlib: a host that
// has already loaded skewa (linking v1) cannot load it, and the other way
// round. (Built without the tag it links v1 and LibVersion says so.)
package main

import "example.com/corpus/skewlib"

// LibVersion is the skewlib version this plugin was built with.
var LibVersion = skewlib.Version

// Hello greets name through skewlib.
func Hello(name string) string { return skewlib.Greet(name) }
